// The NetHSM mechanism → PKCS#11 usage map (mech/mechanism_usage.hpp) against the
// NetHSM API's KeyMechanism list (openapi/nethsm-api-v4.0.yaml).
#include "mech/mechanism_usage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

namespace p11nethsm::mech {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

// The names under components.schemas.KeyMechanism.enum.
std::set<std::string> apiMechanismNames() {
  std::ifstream in(std::string(P11NETHSM_OPENAPI_DIR) + "/nethsm-api-v4.0.yaml");
  std::set<std::string> names;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "    KeyMechanism:") {
      inside = true;
    } else if (inside && line.rfind("        - ", 0) == 0) {
      names.insert(line.substr(10));
    } else if (inside && line.rfind("      enum:", 0) != 0) {
      break;
    }
  }
  return names;
}

TEST(MechanismUsage, EveryApiMechanismHasExactlyOneUsage) {
  const auto api = apiMechanismNames();
  ASSERT_EQ(api.size(), 20u);
  std::set<std::string> mapped;
  for (const auto& u : mechanismUsages()) {
    const std::string name(nethsm::toString(u.mechanism));
    EXPECT_TRUE(mapped.insert(name).second) << name << " twice";
    EXPECT_TRUE(api.count(name)) << name << " is no NetHSM mechanism";
    // The NetHSM names say the operation: the map must agree with them.
    const CK_ATTRIBUTE_TYPE expected = name.find("Signature") != std::string::npos    ? CKA_SIGN
                                       : name.find("Decryption") != std::string::npos ? CKA_DECRYPT
                                                                                      : CKA_ENCRYPT;
    EXPECT_EQ(u.usage, expected) << name;
    EXPECT_EQ(usageOf(u.mechanism), expected) << name;
  }
  EXPECT_EQ(mapped, api);
}

TEST(MechanismUsage, GrantedMechanismsAreAllowedForTheType) {
  for (KeyType type : {KeyType::kRsa, KeyType::kCurve25519, KeyType::kEcP256, KeyType::kEcP256K1,
                       KeyType::kGeneric}) {
    const auto allowed = nethsm::mechanismsAllowedFor(type);
    for (CK_ATTRIBUTE_TYPE usage : usagesOfType(type)) {
      const auto granted = grantedFor(type, usage);
      EXPECT_FALSE(granted.empty());
      for (KeyMechanism m : granted) {
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), m), allowed.end());
        EXPECT_EQ(usageOf(m), usage);
      }
    }
  }
  // MD5 and BIP340 are never granted.
  const auto rsaSign = grantedFor(KeyType::kRsa, CKA_SIGN);
  EXPECT_EQ(rsaSign.size(), 6u);
  EXPECT_EQ(std::count(rsaSign.begin(), rsaSign.end(), KeyMechanism::kRsaSignaturePssMd5), 0);
  const auto rsaDecrypt = grantedFor(KeyType::kRsa, CKA_DECRYPT);
  EXPECT_EQ(rsaDecrypt.size(), 7u);
  EXPECT_EQ(std::count(rsaDecrypt.begin(), rsaDecrypt.end(), KeyMechanism::kRsaDecryptionOaepMd5),
            0);
  EXPECT_EQ(grantedFor(KeyType::kEcP256K1, CKA_SIGN),
            std::vector<KeyMechanism>{KeyMechanism::kEcdsaSignature});
  EXPECT_EQ(grantedFor(KeyType::kGeneric, CKA_ENCRYPT),
            std::vector<KeyMechanism>{KeyMechanism::kAesEncryptionCbc});
}

TEST(MechanismUsage, AllowsUsage) {
  const std::vector<KeyMechanism> rsaDecrypt = {KeyMechanism::kRsaDecryptionPkcs1};
  EXPECT_TRUE(allowsUsage(rsaDecrypt, CKA_DECRYPT));
  EXPECT_FALSE(allowsUsage(rsaDecrypt, CKA_SIGN));
  // Restricted to the type: a Generic key decrypts only with AES.
  EXPECT_FALSE(allowsUsage(rsaDecrypt, CKA_DECRYPT, KeyType::kGeneric));
  EXPECT_TRUE(allowsUsage({KeyMechanism::kAesDecryptionCbc}, CKA_DECRYPT, KeyType::kGeneric));
  EXPECT_FALSE(allowsUsage({}, CKA_SIGN));
}

}  // namespace
}  // namespace p11nethsm::mech
