// C_GenerateKeyPair / C_GenerateKey templates → NetHSM generate requests.
#include "mech/keygen.hpp"

#include <gtest/gtest.h>
#include <openssl/objects.h>

#include <algorithm>

#include "mech/ec_curve.hpp"
#include "template_builder.hpp"

namespace p11nethsm::mech::test {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

constexpr nethsm::FirmwareVersion kV4{4, 0};

bool has(const std::vector<KeyMechanism>& v, KeyMechanism m) {
  return std::find(v.begin(), v.end(), m) != v.end();
}

Bytes oidDer(int nid) { return *ecParamsDer(CurveInfo{KeyType::kEcP256, nid, "", 0, 0, 0, false}); }

Bytes printable(const char* name) {
  Bytes out = {0x13, static_cast<uint8_t>(std::string(name).size())};
  out.insert(out.end(), name, name + std::string(name).size());
  return out;
}

Result<nethsm::GenerateKeyRequest> pair(CK_MECHANISM_TYPE m, const Template& pub,
                                        const Template& priv, nethsm::FirmwareVersion fw = kV4) {
  CK_MECHANISM mech{m, nullptr, 0};
  auto p = pub.attrs();
  auto q = priv.attrs();
  return keyPairGenerateRequest(mech, p, q, nethsm::capabilitiesOf(fw));
}

TEST(KeyPairGen, RsaSizesExponentAndUsage) {
  Template pub;
  pub.ulong(CKA_MODULUS_BITS, 2048).raw(CKA_PUBLIC_EXPONENT, {1, 0, 1});
  auto all = pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, Template());
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->type, KeyType::kRsa);
  EXPECT_EQ(all->length, 2048U);
  EXPECT_EQ(all->mechanisms.size(), 13U);  // everything PKCS#11 can reach, MD5 modes aside
  EXPECT_TRUE(all->id.empty());

  Template signOnly;
  signOnly.boolean(CKA_SIGN, true);
  auto s = pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, signOnly);
  ASSERT_TRUE(s);
  EXPECT_TRUE(has(s->mechanisms, KeyMechanism::kRsaSignaturePkcs1));
  EXPECT_TRUE(has(s->mechanisms, KeyMechanism::kRsaSignaturePssSha256));
  EXPECT_FALSE(has(s->mechanisms, KeyMechanism::kRsaDecryptionOaepSha256));

  Template noSign;
  noSign.boolean(CKA_SIGN, false);
  auto d = pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, noSign);
  ASSERT_TRUE(d);
  EXPECT_FALSE(has(d->mechanisms, KeyMechanism::kRsaSignaturePkcs1));
  EXPECT_TRUE(has(d->mechanisms, KeyMechanism::kRsaDecryptionOaepSha256));

  Template nothing;
  nothing.boolean(CKA_SIGN, false).boolean(CKA_DECRYPT, false);
  EXPECT_EQ(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, nothing).error().pkcs11Rv,
            CKR_TEMPLATE_INCONSISTENT);

  Template e3;
  e3.ulong(CKA_MODULUS_BITS, 2048).raw(CKA_PUBLIC_EXPONENT, {3});
  EXPECT_EQ(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, e3, Template()).error().pkcs11Rv,
            CKR_ATTRIBUTE_VALUE_INVALID);
  Template padded;
  padded.ulong(CKA_MODULUS_BITS, 4096).raw(CKA_PUBLIC_EXPONENT, {0, 1, 0, 1});
  EXPECT_TRUE(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, padded, Template()));
  for (CK_ULONG bits : {512UL, 16384UL}) {
    Template t;
    t.ulong(CKA_MODULUS_BITS, bits);
    EXPECT_EQ(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, t, Template()).error().pkcs11Rv,
              CKR_ATTRIBUTE_VALUE_INVALID);
  }
  EXPECT_EQ(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, Template(), Template()).error().pkcs11Rv,
            CKR_TEMPLATE_INCOMPLETE);
}

TEST(KeyPairGen, ExtractableIsRefusedClearly) {
  Template pub;
  pub.ulong(CKA_MODULUS_BITS, 2048);
  Template priv;
  priv.boolean(CKA_EXTRACTABLE, true);
  auto r = pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, priv);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_NE(r.error().message.find("EXTRACTABLE"), std::string::npos);
  Template notExtractable;
  notExtractable.boolean(CKA_EXTRACTABLE, false).boolean(CKA_TOKEN, true);
  EXPECT_TRUE(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, notExtractable));
}

TEST(KeyPairGen, EcCurvesByOidOrName) {
  struct {
    Bytes params;
    KeyType type;
  } cases[] = {{oidDer(NID_X9_62_prime256v1), KeyType::kEcP256},
               {oidDer(NID_secp384r1), KeyType::kEcP384},
               {oidDer(NID_secp521r1), KeyType::kEcP521},
               {oidDer(NID_secp256k1), KeyType::kEcP256K1},
               {oidDer(NID_brainpoolP256r1), KeyType::kBrainpoolP256},
               {oidDer(NID_brainpoolP384r1), KeyType::kBrainpoolP384},
               {oidDer(NID_brainpoolP512r1), KeyType::kBrainpoolP512},
               {printable("prime256v1"), KeyType::kEcP256},
               {printable("secp521r1"), KeyType::kEcP521}};
  for (const auto& c : cases) {
    Template pub;
    pub.raw(CKA_EC_PARAMS, c.params);
    auto r = pair(CKM_EC_KEY_PAIR_GEN, pub, Template());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->type, c.type);
    EXPECT_EQ(r->mechanisms, std::vector<KeyMechanism>{KeyMechanism::kEcdsaSignature});
  }
  // Brainpool and secp256k1 only from firmware 3.0; P-224 only before it.
  Template bp;
  bp.raw(CKA_EC_PARAMS, oidDer(NID_brainpoolP256r1));
  EXPECT_EQ(pair(CKM_EC_KEY_PAIR_GEN, bp, Template(), {2, 2}).error().pkcs11Rv,
            CKR_CURVE_NOT_SUPPORTED);
  Template p224;
  p224.raw(CKA_EC_PARAMS, oidDer(NID_secp224r1));
  EXPECT_TRUE(pair(CKM_EC_KEY_PAIR_GEN, p224, Template(), {2, 2}));
  EXPECT_EQ(pair(CKM_EC_KEY_PAIR_GEN, p224, Template()).error().pkcs11Rv, CKR_CURVE_NOT_SUPPORTED);
  EXPECT_EQ(pair(CKM_EC_KEY_PAIR_GEN, Template(), Template()).error().pkcs11Rv,
            CKR_TEMPLATE_INCOMPLETE);
  Template noSign;
  noSign.boolean(CKA_SIGN, false);
  Template p256;
  p256.raw(CKA_EC_PARAMS, oidDer(NID_X9_62_prime256v1));
  EXPECT_EQ(pair(CKM_EC_KEY_PAIR_GEN, p256, noSign).error().pkcs11Rv, CKR_TEMPLATE_INCONSISTENT);
}

TEST(KeyPairGen, Ed25519AsPkcs11ToolSendsItAndEd448Refused) {
  Template pub;
  pub.raw(CKA_EC_PARAMS, printable("edwards25519"));
  auto r = pair(CKM_EC_EDWARDS_KEY_PAIR_GEN, pub, Template());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type, KeyType::kCurve25519);
  EXPECT_EQ(r->mechanisms, std::vector<KeyMechanism>{KeyMechanism::kEdDsaSignature});
  auto noParams = pair(CKM_EC_EDWARDS_KEY_PAIR_GEN, Template(), Template());
  ASSERT_TRUE(noParams);
  EXPECT_EQ(noParams->type, KeyType::kCurve25519);
  Template ed448;
  ed448.raw(CKA_EC_PARAMS, printable("edwards448"));
  EXPECT_EQ(pair(CKM_EC_EDWARDS_KEY_PAIR_GEN, ed448, Template()).error().pkcs11Rv,
            CKR_CURVE_NOT_SUPPORTED);
  // An Edwards curve through the Weierstrass mechanism is inconsistent.
  EXPECT_EQ(pair(CKM_EC_KEY_PAIR_GEN, pub, Template()).error().pkcs11Rv, CKR_TEMPLATE_INCONSISTENT);
}

// The key label is decided once, by core (key_label.hpp, Capabilities::storedLabel):
// the request mech builds carries none, on any firmware.
TEST(KeyPairGen, LabelIsLeftToCore) {
  Template pub;
  pub.ulong(CKA_MODULUS_BITS, 2048);
  Template priv;
  priv.raw(CKA_LABEL, toBytes("my-key"));
  EXPECT_FALSE(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, priv)->label.has_value());
  EXPECT_FALSE(pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, priv, {5, 0})->label.has_value());
}

TEST(SecretKeyGen, AesAndGenericSecret) {
  CK_MECHANISM aes{CKM_AES_KEY_GEN, nullptr, 0};
  for (CK_ULONG len : {16UL, 24UL, 32UL}) {
    Template t;
    t.ulong(CKA_VALUE_LEN, len);
    auto r = secretKeyGenerateRequest(aes, t.attrs());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->type, KeyType::kGeneric);
    EXPECT_EQ(r->length, len * 8);
    EXPECT_EQ(r->mechanisms.size(), 2U);
  }
  Template bad;
  bad.ulong(CKA_VALUE_LEN, 20);
  EXPECT_EQ(secretKeyGenerateRequest(aes, bad.attrs()).error().pkcs11Rv,
            CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(secretKeyGenerateRequest(aes, Template().attrs()).error().pkcs11Rv,
            CKR_TEMPLATE_INCOMPLETE);
  Template encryptOnly;
  encryptOnly.ulong(CKA_VALUE_LEN, 32).boolean(CKA_ENCRYPT, true);
  EXPECT_EQ(secretKeyGenerateRequest(aes, encryptOnly.attrs())->mechanisms,
            std::vector<KeyMechanism>{KeyMechanism::kAesEncryptionCbc});
  Template extractable;
  extractable.ulong(CKA_VALUE_LEN, 32).boolean(CKA_EXTRACTABLE, true);
  EXPECT_EQ(secretKeyGenerateRequest(aes, extractable.attrs()).error().pkcs11Rv,
            CKR_ATTRIBUTE_VALUE_INVALID);
  Template wrongType;
  wrongType.ulong(CKA_VALUE_LEN, 32).ulong(CKA_KEY_TYPE, CKK_DES3);
  EXPECT_EQ(secretKeyGenerateRequest(aes, wrongType.attrs()).error().pkcs11Rv,
            CKR_TEMPLATE_INCONSISTENT);
  CK_MECHANISM generic{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  Template g;
  g.ulong(CKA_VALUE_LEN, 64);
  auto r = secretKeyGenerateRequest(generic, g.attrs());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->length, 512U);
  CK_MECHANISM des{CKM_DES3_KEY_GEN, nullptr, 0};
  EXPECT_EQ(secretKeyGenerateRequest(des, g.attrs()).error().pkcs11Rv, CKR_MECHANISM_INVALID);
}

}  // namespace
}  // namespace p11nethsm::mech::test
