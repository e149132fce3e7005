// The firmware rules in one value (nethsm/capabilities.hpp), exact per firmware:
// 2.2, 3.0, 3.1, 4.0, 5.0, a later one, and the unknown version (BEHAVIOUR.md §9).
#include "nethsm/capabilities.hpp"

#include <gtest/gtest.h>

#include <string>
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

// Each firmware's rules, exactly (BEHAVIOUR.md §9).
struct Expected {
  FirmwareVersion firmware;
  bool keyLabels;
  size_t maxLabelBytes;
  bool keyMove;
  bool pkcs1SignsBareHash;
  bool curvesOfThreeZero;
};

const Expected kPerFirmware[] = {
    {{2, 2}, false, 0, false, false, false},
    {{3, 0}, false, 0, true, true, true},  // the PKCS#1 bare-hash quirk: 3.0 only
    {{3, 1}, false, 0, true, false, true},
    {{4, 0}, false, 0, true, false, true},
    {{5, 0}, true, 32, true, false, true},  // key labels
    {{6, 1}, true, 32, true, false, true},  // later firmware keeps 5.0's rules
};

TEST(Capabilities, PerFirmware) {
  for (const Expected& e : kPerFirmware) {
    SCOPED_TRACE(std::to_string(e.firmware.major) + "." + std::to_string(e.firmware.minor));
    const Capabilities caps = capabilitiesOf(e.firmware);
    EXPECT_EQ(caps.firmware, e.firmware);
    EXPECT_TRUE(caps.firmwareKnown);
    EXPECT_EQ(caps.keyLabels, e.keyLabels);
    EXPECT_EQ(caps.maxLabelBytes, e.maxLabelBytes);
    EXPECT_EQ(caps.keyMove, e.keyMove);
    EXPECT_EQ(caps.pkcs1SignsBareHash, e.pkcs1SignsBareHash);
    expectCurvesOfThreeZeroAndLater(caps, e.curvesOfThreeZero);
  }
}

TEST(Capabilities, LabelsStoredOnlyFrom50) {
  EXPECT_EQ(capabilitiesOf({4, 0}).storedLabel("my-key"), std::nullopt);  // process memory
  const Capabilities v5 = capabilitiesOf({5, 0});
  EXPECT_EQ(v5.storedLabel("my-key"), std::optional<std::string>("my-key"));
  EXPECT_EQ(v5.storedLabel(std::string(40, 'x')), std::optional<std::string>(std::string(32, 'x')));
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
