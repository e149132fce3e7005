// NetHSM public key data → SPKI / CKA_EC_PARAMS / CKA_EC_POINT, compared with what
// OpenSSL derives from the same key.
#include "mech/public_key.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include "bn_param.hpp"
#include "mech/ec_curve.hpp"
#include "template_builder.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

// What GET /keys/{id} would report for this key (BEHAVIOUR.md §5).
nethsm::PublicKeyData netHsmData(const TestKey& k) {
  nethsm::PublicKeyData d;
  if (k.view.type == nethsm::KeyType::kRsa) {
    d.modulus = bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_N);
    d.publicExponent = bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_E);
  } else if (k.view.type == nethsm::KeyType::kCurve25519) {
    d.data.resize(32);
    size_t len = 32;
    EVP_PKEY_get_raw_public_key(k.key.get(), d.data.data(), &len);
  } else {
    d.data.resize(200);
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(k.key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, d.data.data(),
                                    d.data.size(), &len);
    d.data.resize(len);
  }
  return d;
}

TEST(PublicKey, AttributesMatchOpenSslForEveryKeyType) {
  for (const auto& k : testKeys()) {
    if (!k.key) continue;
    auto attrs = publicKeyAttributes(k.view.type, netHsmData(k));
    ASSERT_TRUE(attrs) << k.name << ": " << attrs.error().message;
    EXPECT_EQ(attrs->spkiDer, spkiOf(k.key.get())) << k.name;
    EXPECT_EQ(attrs->bits, k.view.bits) << k.name;
    if (k.view.type == nethsm::KeyType::kRsa) {
      EXPECT_EQ(attrs->modulus, bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_N));
      EXPECT_EQ(attrs->publicExponent, (Bytes{1, 0, 1}));
      EXPECT_TRUE(attrs->ecParams.empty());
      continue;
    }
    const CurveInfo* curve = curveForKeyType(k.view.type);
    EXPECT_EQ(attrs->ecParams, *ecParamsDer(*curve)) << k.name;
    // CKA_EC_POINT: DER OCTET STRING (04 len) around the point.
    Bytes point = netHsmData(k).data;
    ASSERT_GT(attrs->ecPoint.size(), point.size());
    EXPECT_EQ(attrs->ecPoint[0], 0x04);
    EXPECT_EQ(Bytes(attrs->ecPoint.end() - static_cast<std::ptrdiff_t>(point.size()),
                    attrs->ecPoint.end()),
              point);
  }
}

TEST(PublicKey, MalformedDataIsRefused) {
  nethsm::PublicKeyData shortPoint;
  shortPoint.data = {0x04, 1, 2, 3};
  EXPECT_FALSE(publicKeyAttributes(nethsm::KeyType::kEcP256, shortPoint));
  EXPECT_FALSE(publicKeyAttributes(nethsm::KeyType::kRsa, nethsm::PublicKeyData{}));
  auto generic = publicKeyAttributes(nethsm::KeyType::kGeneric, nethsm::PublicKeyData{});
  ASSERT_FALSE(generic);
  EXPECT_EQ(generic.error().pkcs11Rv, CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace p11nethsm::mech::test

namespace p11nethsm::mech::test {
namespace {

TEST(PublicKeyTemplate, EveryKeyTypeGivesTheOpenSslSpki) {
  for (const auto& k : testKeys()) {
    if (!k.key) continue;
    auto attrs = publicKeyAttributes(k.view.type, netHsmData(k));
    ASSERT_TRUE(attrs);
    Template t;
    t.ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    if (k.view.type == nethsm::KeyType::kRsa) {
      t.ulong(CKA_KEY_TYPE, CKK_RSA)
          .raw(CKA_MODULUS, attrs->modulus)
          .raw(CKA_PUBLIC_EXPONENT, attrs->publicExponent);
    } else {
      bool ed = k.view.type == nethsm::KeyType::kCurve25519;
      t.ulong(CKA_KEY_TYPE, ed ? CKK_EC_EDWARDS : CKK_EC).raw(CKA_EC_PARAMS, attrs->ecParams);
      t.raw(CKA_EC_POINT, attrs->ecPoint);
    }
    auto parsed = publicKeyFromTemplate(t.attrs());
    ASSERT_TRUE(parsed) << k.name << ": " << parsed.error().message;
    EXPECT_EQ(parsed->type, k.view.type) << k.name;
    EXPECT_EQ(parsed->attributes.spkiDer, spkiOf(k.key.get())) << k.name;
  }
  // A bare point (no OCTET STRING) is accepted too; a bad point is not.
  const TestKey& ec = testKey("prime256v1");
  Template bare;
  bare.ulong(CKA_KEY_TYPE, CKK_EC).raw(CKA_EC_PARAMS, *ecParamsDer(*curveForKeyType(ec.view.type)));
  bare.raw(CKA_EC_POINT, netHsmData(ec).data);
  EXPECT_TRUE(publicKeyFromTemplate(bare.attrs()));
  Template broken;
  broken.ulong(CKA_KEY_TYPE, CKK_EC)
      .raw(CKA_EC_PARAMS, *ecParamsDer(*curveForKeyType(ec.view.type)));
  broken.raw(CKA_EC_POINT, Bytes(65, 4));
  EXPECT_EQ(publicKeyFromTemplate(broken.attrs()).error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
  Template noPoint;
  noPoint.ulong(CKA_KEY_TYPE, CKK_EC);
  EXPECT_EQ(publicKeyFromTemplate(noPoint.attrs()).error().pkcs11Rv, CKR_TEMPLATE_INCOMPLETE);
}

}  // namespace
}  // namespace p11nethsm::mech::test
