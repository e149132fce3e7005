// NetHSM enum strings (BEHAVIOUR.md §5) and firmware version parsing.
#include "nethsm/types.hpp"

#include <gtest/gtest.h>

namespace p11nethsm::nethsm {
namespace {

TEST(Types, KeyTypeStringsRoundTrip) {
  EXPECT_EQ(toString(KeyType::kEcP256K1), "EC_P256K1");
  EXPECT_EQ(toString(KeyType::kBrainpoolP512), "BrainpoolP512");
  for (auto t : {KeyType::kRsa, KeyType::kCurve25519, KeyType::kEcP224, KeyType::kEcP256,
                 KeyType::kEcP384, KeyType::kEcP521, KeyType::kEcP256K1, KeyType::kBrainpoolP256,
                 KeyType::kBrainpoolP384, KeyType::kBrainpoolP512, KeyType::kGeneric}) {
    EXPECT_EQ(keyTypeFromString(toString(t)), t);
  }
  EXPECT_FALSE(keyTypeFromString("rsa").has_value());
}

TEST(Types, ModeAndMechanismStrings) {
  EXPECT_EQ(toString(SignMode::kPssSha256), "PSS_SHA256");
  EXPECT_EQ(toString(SignMode::kEdDsa), "EdDSA");
  EXPECT_EQ(toString(DecryptMode::kOaepSha1), "OAEP_SHA1");
  EXPECT_EQ(toString(DecryptMode::kAesCbc), "AES_CBC");
  EXPECT_EQ(toString(KeyMechanism::kRsaDecryptionRaw), "RSA_Decryption_RAW");
  EXPECT_EQ(keyMechanismFromString("BIP340_Signature"), KeyMechanism::kBip340Signature);
  EXPECT_FALSE(keyMechanismFromString("RSA_Signature_PSS_SHA3").has_value());
}

TEST(Types, MechanismsAllowedPerType) {
  EXPECT_EQ(mechanismsAllowedFor(KeyType::kRsa).size(), 15u);
  EXPECT_EQ(mechanismsAllowedFor(KeyType::kCurve25519),
            std::vector<KeyMechanism>{KeyMechanism::kEdDsaSignature});
  EXPECT_EQ(mechanismsAllowedFor(KeyType::kEcP256K1).size(), 2u);
  EXPECT_EQ(mechanismsAllowedFor(KeyType::kBrainpoolP384),
            std::vector<KeyMechanism>{KeyMechanism::kEcdsaSignature});
  EXPECT_EQ(mechanismsAllowedFor(KeyType::kGeneric),
            (std::vector<KeyMechanism>{KeyMechanism::kAesEncryptionCbc,
                                       KeyMechanism::kAesDecryptionCbc}));
}

TEST(Types, FirmwareVersionParsing) {
  EXPECT_EQ(parseFirmwareVersion("4.0"), (FirmwareVersion{4, 0}));
  EXPECT_EQ(parseFirmwareVersion("3.1"), (FirmwareVersion{3, 1}));
  EXPECT_EQ(parseFirmwareVersion("10.12"), (FirmwareVersion{10, 12}));
  EXPECT_FALSE(parseFirmwareVersion("4").has_value());
  EXPECT_FALSE(parseFirmwareVersion("4.").has_value());
  EXPECT_FALSE(parseFirmwareVersion(".1").has_value());
  EXPECT_FALSE(parseFirmwareVersion("4.0-rc1").has_value());
  EXPECT_FALSE(parseFirmwareVersion("v4.0").has_value());
  // Ordering is capabilities.cpp's alone (capabilities_test.cpp).
}

}  // namespace
}  // namespace p11nethsm::nethsm
