// The firmware rules in one value (nethsm/capabilities.hpp), exact per firmware:
// 2.2, 3.0, 3.1, 4.0, 5.0, a later one, and the unknown version (BEHAVIOUR.md §9).
#include "nethsm/capabilities.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace p11nethsm::nethsm {
namespace {

const std::vector<KeyType> kAlways{KeyType::kRsa,    KeyType::kCurve25519, KeyType::kEcP256,
                                   KeyType::kEcP384, KeyType::kEcP521,     KeyType::kGeneric};
const std::vector<KeyType> kFromThree{KeyType::kEcP256K1, KeyType::kBrainpoolP256,
                                      KeyType::kBrainpoolP384, KeyType::kBrainpoolP512};

// Asserts every key type: always offered, P-224 before 3.0 only, the 3.0 curves from 3.0.
void expectCurvesOfThreeZeroAndLater(const Capabilities& caps, bool threeZeroOrLater) {
  for (KeyType t : kAlways) EXPECT_TRUE(caps.offersKeyType(t)) << toString(t);
  for (KeyType t : kFromThree) EXPECT_EQ(caps.offersKeyType(t), threeZeroOrLater) << toString(t);
  EXPECT_EQ(caps.offersKeyType(KeyType::kEcP224), !threeZeroOrLater);
}

TEST(Capabilities, Firmware22) {
  const Capabilities caps = capabilitiesOf({2, 2});
  EXPECT_EQ(caps.firmware, (FirmwareVersion{2, 2}));
  EXPECT_TRUE(caps.firmwareKnown);
  EXPECT_FALSE(caps.keyLabels);
  EXPECT_EQ(caps.maxLabelBytes, 0U);
  EXPECT_FALSE(caps.keyMove);
  EXPECT_FALSE(caps.pkcs1SignsBareHash);
  expectCurvesOfThreeZeroAndLater(caps, false);
}

TEST(Capabilities, Firmware30HasTheBareHashQuirkAndMove) {
  const Capabilities caps = capabilitiesOf({3, 0});
  EXPECT_EQ(caps.firmware, (FirmwareVersion{3, 0}));
  EXPECT_FALSE(caps.keyLabels);
  EXPECT_TRUE(caps.keyMove);
  EXPECT_TRUE(caps.pkcs1SignsBareHash);
  expectCurvesOfThreeZeroAndLater(caps, true);
}

TEST(Capabilities, Firmware31DropsTheQuirk) {
  const Capabilities caps = capabilitiesOf({3, 1});
  EXPECT_TRUE(caps.keyMove);
  EXPECT_FALSE(caps.pkcs1SignsBareHash);
  EXPECT_FALSE(caps.keyLabels);
  expectCurvesOfThreeZeroAndLater(caps, true);
}

TEST(Capabilities, Firmware40) {
  const Capabilities caps = capabilitiesOf({4, 0});
  EXPECT_EQ(caps.firmware, (FirmwareVersion{4, 0}));
  EXPECT_TRUE(caps.firmwareKnown);
  EXPECT_FALSE(caps.keyLabels);
  EXPECT_EQ(caps.maxLabelBytes, 0U);
  EXPECT_TRUE(caps.keyMove);
  EXPECT_FALSE(caps.pkcs1SignsBareHash);
  expectCurvesOfThreeZeroAndLater(caps, true);
  EXPECT_EQ(caps.storedLabel("my-key"), std::nullopt);  // kept in process memory
}

TEST(Capabilities, Firmware50HasLabelsOf32Bytes) {
  const Capabilities caps = capabilitiesOf({5, 0});
  EXPECT_EQ(caps.firmware, (FirmwareVersion{5, 0}));
  EXPECT_TRUE(caps.keyLabels);
  EXPECT_EQ(caps.maxLabelBytes, 32U);
  EXPECT_TRUE(caps.keyMove);
  EXPECT_FALSE(caps.pkcs1SignsBareHash);
  expectCurvesOfThreeZeroAndLater(caps, true);
  EXPECT_EQ(caps.storedLabel("my-key"), std::optional<std::string>("my-key"));
  EXPECT_EQ(caps.storedLabel(std::string(40, 'x')), std::optional<std::string>(std::string(32, 'x')));
}

TEST(Capabilities, LaterFirmwareKeepsTheRulesOf50) {
  const Capabilities caps = capabilitiesOf({6, 1});
  EXPECT_TRUE(caps.keyLabels);
  EXPECT_EQ(caps.maxLabelBytes, 32U);
  EXPECT_TRUE(caps.keyMove);
  EXPECT_FALSE(caps.pkcs1SignsBareHash);
  expectCurvesOfThreeZeroAndLater(caps, true);
}

TEST(Capabilities, UnknownFirmwareAssumes40) {
  const Capabilities caps = assumedCapabilities();
  EXPECT_FALSE(caps.firmwareKnown);
  EXPECT_EQ(caps.firmware, (FirmwareVersion{4, 0}));
  EXPECT_FALSE(caps.keyLabels);
  EXPECT_EQ(caps.maxLabelBytes, 0U);
  EXPECT_TRUE(caps.keyMove);
  EXPECT_FALSE(caps.pkcs1SignsBareHash);
  expectCurvesOfThreeZeroAndLater(caps, true);
}

// Major first, then minor, as numbers: 4.10 is before 5.0, 2.99 before 3.0.
TEST(Capabilities, VersionsAreOrderedByMajorThenMinor) {
  EXPECT_FALSE(capabilitiesOf({4, 10}).keyLabels);
  EXPECT_TRUE(capabilitiesOf({10, 0}).keyLabels);
  EXPECT_FALSE(capabilitiesOf({2, 99}).keyMove);
  EXPECT_TRUE(capabilitiesOf({2, 99}).offersKeyType(KeyType::kEcP224));
  EXPECT_TRUE(capabilitiesOf({3, 0}).keyMove);
  EXPECT_FALSE(capabilitiesOf({3, 0}).offersKeyType(KeyType::kEcP224));
}

TEST(Capabilities, AnswerWithALabelProves50) {
  EXPECT_EQ(firmwareShowingLabels(), (FirmwareVersion{5, 0}));
  EXPECT_TRUE(capabilitiesOf(firmwareShowingLabels()).keyLabels);
}

TEST(Capabilities, LabelAsStoredCutsAtACharacterBoundary) {
  EXPECT_EQ(labelAsStored(""), std::optional<std::string>(""));
  EXPECT_EQ(labelAsStored(std::string(32, 'a')), std::optional<std::string>(std::string(32, 'a')));
  // 31 ASCII bytes + "é" (2 bytes) = 33: the whole character goes, not half of it.
  EXPECT_EQ(labelAsStored(std::string(31, 'a') + "\xC3\xA9"),
            std::optional<std::string>(std::string(31, 'a')));
  EXPECT_EQ(labelAsStored(std::string(30, 'a') + "\xC3\xA9"),
            std::optional<std::string>(std::string(30, 'a') + "\xC3\xA9"));
  EXPECT_EQ(labelAsStored("bad\xFF"), std::nullopt);  // not UTF-8
  EXPECT_EQ(capabilitiesOf({5, 0}).storedLabel("bad\xFF"), std::nullopt);
}

}  // namespace
}  // namespace p11nethsm::nethsm
