// Key material in the state file: stored as OpenSSL parameters (fast to load), and
// the PEM form of earlier state files still loads.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "key_material.hpp"

namespace p11nethsm::mock {
namespace {

TEST(MockKeyStorage, EveryKeyTypeRoundTripsThroughStorage) {
  for (KeyType type : {KeyType::kRsa, KeyType::kCurve25519, KeyType::kEcP256, KeyType::kEcP521,
                       KeyType::kEcP256K1, KeyType::kBrainpoolP384, KeyType::kGeneric}) {
    std::string error;
    auto key = KeyMaterial::generate(type, type == KeyType::kRsa ? 2048 : 256, error);
    ASSERT_TRUE(key) << keyTypeName(type) << ": " << error;
    const nlohmann::json stored = key->toStorage();
    EXPECT_FALSE(stored.contains("pem")) << keyTypeName(type);
    auto loaded = KeyMaterial::fromStorage(stored);
    ASSERT_TRUE(loaded) << keyTypeName(type);
    EXPECT_EQ(loaded->type(), type);
    EXPECT_EQ(loaded->bits(), key->bits()) << keyTypeName(type);
    EXPECT_EQ(loaded->publicJson(), key->publicJson()) << keyTypeName(type);
    EXPECT_EQ(loaded->secret(), key->secret());
    if (type != KeyType::kGeneric) {  // the private half came back too
      EXPECT_EQ(loaded->toStorage(), stored) << keyTypeName(type);
    }
  }
}

TEST(MockKeyStorage, PemOfEarlierStateFilesStillLoads) {
  std::string error;
  auto key = KeyMaterial::generate(KeyType::kEcP256, 0, error);
  ASSERT_TRUE(key);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, key->pkey(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  const std::string pem = drainBio(bio);
  auto loaded = KeyMaterial::fromStorage({{"type", "EC_P256"}, {"pem", pem}});
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->publicJson(), key->publicJson());
  EXPECT_FALSE(KeyMaterial::fromStorage({{"type", "EC_P256"}, {"pem", "garbage"}}));
  EXPECT_FALSE(
      KeyMaterial::fromStorage({{"type", "EC_P256"}, {"params", {{"priv", {{"u", "zz"}}}}}}));
}

}  // namespace
}  // namespace p11nethsm::mock
