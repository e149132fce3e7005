// C_CreateObject key templates → NetHSM import requests, checked against the OpenSSL
// keys they came from.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>

#include "bn_param.hpp"
#include "mech/ec_curve.hpp"
#include "mech/keygen.hpp"
#include "mech/rsa_primes.hpp"
#include "template_builder.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

const nethsm::Capabilities kV4 = nethsm::capabilitiesOf({4, 0});

Template rsaBase(EVP_PKEY* key) {
  Template t;
  t.ulong(CKA_CLASS, CKO_PRIVATE_KEY).ulong(CKA_KEY_TYPE, CKK_RSA);
  t.raw(CKA_PUBLIC_EXPONENT, bnParam(key, OSSL_PKEY_PARAM_RSA_E));
  return t;
}

TEST(KeyImport, RsaFromPrimes) {
  const TestKey& k = testKey("rsa2048");
  Template t = rsaBase(k.key.get());
  t.raw(CKA_PRIME_1, bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1));
  t.raw(CKA_PRIME_2, bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2));
  t.boolean(CKA_DECRYPT, true);
  auto r = keyImportRequest(t.attrs(), kV4);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type, KeyType::kRsa);
  EXPECT_EQ(r->primeP, bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1));
  EXPECT_EQ(r->primeQ, bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2));
  EXPECT_EQ(r->publicExponent, (Bytes{1, 0, 1}));
  EXPECT_EQ(r->mechanisms.size(), 7U);  // decrypt only: RAW, PKCS1, 5 × OAEP
}

TEST(KeyImport, RsaPrimesRecoveredFromModulusAndPrivateExponent) {
  for (const char* name : {"rsa1024", "rsa2048", "rsa4096"}) {
    EVP_PKEY* key = testKey(name).key.get();
    Template t = rsaBase(key);
    t.raw(CKA_MODULUS, bnParam(key, OSSL_PKEY_PARAM_RSA_N));
    t.raw(CKA_PRIVATE_EXPONENT, bnParam(key, OSSL_PKEY_PARAM_RSA_D));
    auto r = keyImportRequest(t.attrs(), kV4);
    ASSERT_TRUE(r) << r.error().message;
    Bytes p = bnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
    Bytes q = bnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
    EXPECT_TRUE((r->primeP == p && r->primeQ == q) || (r->primeP == q && r->primeQ == p)) << name;
  }
  const TestKey& k = testKey("rsa2048");
  Bytes d = bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_D);
  d.back() ^= 0x02;
  auto bad = recoverRsaPrimes(bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_N), {1, 0, 1}, d);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
  Template incomplete = rsaBase(k.key.get());
  EXPECT_EQ(keyImportRequest(incomplete.attrs(), kV4).error().pkcs11Rv, CKR_TEMPLATE_INCOMPLETE);
}

TEST(KeyImport, EcScalarIsPaddedToTheCurveWidth) {
  for (const char* name :
       {"prime256v1", "secp384r1", "secp521r1", "secp256k1", "brainpoolP512r1"}) {
    const TestKey& k = testKey(name);
    const CurveInfo* curve = curveForKeyType(k.view.type);
    Bytes scalar = bnParam(k.key.get(), OSSL_PKEY_PARAM_PRIV_KEY);
    Template t;
    t.ulong(CKA_CLASS, CKO_PRIVATE_KEY).ulong(CKA_KEY_TYPE, CKK_EC);
    t.raw(CKA_EC_PARAMS, *ecParamsDer(*curve)).raw(CKA_VALUE, scalar);
    auto r = keyImportRequest(t.attrs(), kV4);
    ASSERT_TRUE(r) << name << ": " << r.error().message;
    EXPECT_EQ(r->type, k.view.type);
    ASSERT_EQ(r->data.size(), curve->fieldBytes) << name;
    Bytes sent(r->data.reveal().begin(), r->data.reveal().end());
    EXPECT_EQ(Bytes(sent.end() - static_cast<std::ptrdiff_t>(scalar.size()), sent.end()), scalar);
    EXPECT_EQ(r->mechanisms, std::vector<KeyMechanism>{KeyMechanism::kEcdsaSignature});
  }
  Template tooLong;
  tooLong.ulong(CKA_CLASS, CKO_PRIVATE_KEY).ulong(CKA_KEY_TYPE, CKK_EC);
  tooLong.raw(CKA_EC_PARAMS, *ecParamsDer(*curveForKeyType(KeyType::kEcP256)))
      .raw(CKA_VALUE, Bytes(33, 1));
  EXPECT_EQ(keyImportRequest(tooLong.attrs(), kV4).error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(KeyImport, Ed25519SeedWithPrintableCurveName) {
  const TestKey& k = testKey("ed25519");
  Bytes seed(32);
  size_t len = seed.size();
  EVP_PKEY_get_raw_private_key(k.key.get(), seed.data(), &len);
  Template t;
  Bytes name = {0x13, 12};
  for (char c : std::string("edwards25519")) name.push_back(static_cast<uint8_t>(c));
  t.ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .ulong(CKA_KEY_TYPE, CKK_EC_EDWARDS)
      .raw(CKA_EC_PARAMS, name)
      .raw(CKA_VALUE, seed);
  auto r = keyImportRequest(t.attrs(), kV4);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type, KeyType::kCurve25519);
  EXPECT_EQ(Bytes(r->data.reveal().begin(), r->data.reveal().end()), seed);
  EXPECT_EQ(r->mechanisms, std::vector<KeyMechanism>{KeyMechanism::kEdDsaSignature});
}

TEST(KeyImport, AesAndRefusals) {
  Template aes;
  aes.ulong(CKA_CLASS, CKO_SECRET_KEY).ulong(CKA_KEY_TYPE, CKK_AES).raw(CKA_VALUE, randomBytes(24));
  auto r = keyImportRequest(aes.attrs(), kV4);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, KeyType::kGeneric);
  EXPECT_EQ(r->data.size(), 24U);
  Template odd;
  odd.ulong(CKA_CLASS, CKO_SECRET_KEY).ulong(CKA_KEY_TYPE, CKK_AES).raw(CKA_VALUE, randomBytes(20));
  EXPECT_EQ(keyImportRequest(odd.attrs(), kV4).error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
  Template pub;
  pub.ulong(CKA_CLASS, CKO_PUBLIC_KEY).ulong(CKA_KEY_TYPE, CKK_RSA);
  auto p = keyImportRequest(pub.attrs(), kV4);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
  Template extractable;
  extractable.ulong(CKA_CLASS, CKO_SECRET_KEY)
      .ulong(CKA_KEY_TYPE, CKK_AES)
      .raw(CKA_VALUE, randomBytes(16));
  extractable.boolean(CKA_EXTRACTABLE, true);
  EXPECT_EQ(keyImportRequest(extractable.attrs(), kV4).error().pkcs11Rv,
            CKR_ATTRIBUTE_VALUE_INVALID);
  Template des;
  des.ulong(CKA_CLASS, CKO_SECRET_KEY)
      .ulong(CKA_KEY_TYPE, CKK_DES3)
      .raw(CKA_VALUE, randomBytes(24));
  EXPECT_EQ(keyImportRequest(des.attrs(), kV4).error().pkcs11Rv, CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace
}  // namespace p11nethsm::mech::test
