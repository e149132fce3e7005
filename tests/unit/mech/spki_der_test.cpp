// The fast SubjectPublicKeyInfo encoder gives exactly OpenSSL's i2d_PUBKEY bytes.
#include "mech/spki_der.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "mech/ossl.hpp"

namespace p11nethsm::mech {
namespace {

Bytes referenceDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

TEST(SpkiDer, EqualsI2dPubkeyForEveryKeyType) {
  std::vector<PkeyPtr> keys;
  keys.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  keys.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  keys.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  for (const char* curve : {"prime256v1", "secp384r1", "secp521r1", "secp256k1", "brainpoolP256r1",
                            "brainpoolP384r1", "brainpoolP512r1"})
    keys.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
  for (const auto& key : keys) {
    ASSERT_TRUE(key);
    auto der = spkiDer(key.get());
    ASSERT_TRUE(der.ok()) << der.error().message;
    EXPECT_EQ(*der, referenceDer(key.get())) << EVP_PKEY_get0_type_name(key.get());
  }
}

TEST(SpkiDer, OtherKeyTypesFallBackToTheEncoder) {
  PkeyPtr x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  ASSERT_TRUE(x25519);
  auto der = spkiDer(x25519.get());
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(*der, referenceDer(x25519.get()));
}

}  // namespace
}  // namespace p11nethsm::mech
