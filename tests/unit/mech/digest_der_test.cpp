// Local digests, DigestInfo, curve parameters, ECDSA DER↔raw, ECDSA input fitting and
// firmware 3.0's PKCS#1 rule, each checked against OpenSSL.
#include <gtest/gtest.h>
#include <openssl/objects.h>

#include "mech/ec_curve.hpp"
#include "mech/hash.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

Bytes opensslDigest(const char* name, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_get_digestbyname(name), nullptr);
  out.resize(len);
  return out;
}

TEST(Digest, EveryDigestMechanismMatchesOpenSsl) {
  struct {
    CK_MECHANISM_TYPE m;
    const char* name;
  } cases[] = {{CKM_MD5, "MD5"},       {CKM_SHA_1, "SHA1"},    {CKM_SHA224, "SHA224"},
               {CKM_SHA256, "SHA256"}, {CKM_SHA384, "SHA384"}, {CKM_SHA512, "SHA512"}};
  KeyView none;
  for (const auto& c : cases) {
    CK_MECHANISM m{c.m, nullptr, 0};
    for (size_t len : {0U, 1U, 1000U}) {
      Bytes data = randomBytes(len);
      auto single = runOperation(OperationKind::kDigest, m, none, data);
      ASSERT_TRUE(single) << c.name;
      EXPECT_EQ(*single, opensslDigest(c.name, data)) << c.name;
      auto multi = runOperation(OperationKind::kDigest, m, none, data, 7);
      ASSERT_TRUE(multi);
      EXPECT_EQ(*multi, *single);
      auto op = createOperationWith(OperationKind::kDigest, m, none, nullptr,
                                    nethsm::capabilitiesOf({4, 0}));
      EXPECT_EQ((*op)->outputSizeBound(0), single->size());
    }
  }
}

TEST(DigestInfo, PrefixPlusHashIsTheDerOpenSslBuilds) {
  // OpenSSL's RSA_sign with a digest type produces EMSA-PKCS1 over the DigestInfo; the
  // recovered block must equal our DigestInfo.
  const TestKey& k = testKey("rsa2048");
  for (HashAlg h : {HashAlg::kMd5, HashAlg::kSha1, HashAlg::kSha224, HashAlg::kSha256,
                    HashAlg::kSha384, HashAlg::kSha512}) {
    Bytes data = randomBytes(50);
    MdCtxPtr md(EVP_MD_CTX_new());
    Bytes sig(256);
    size_t len = sig.size();
    ASSERT_EQ(EVP_DigestSignInit(md.get(), nullptr, evpMd(h), nullptr, k.key.get()), 1);
    ASSERT_EQ(EVP_DigestSign(md.get(), sig.data(), &len, data.data(), data.size()), 1);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.key.get(), nullptr));
    EVP_PKEY_verify_recover_init(ctx.get());
    Bytes rec(256);
    size_t recLen = rec.size();
    ASSERT_EQ(EVP_PKEY_verify_recover(ctx.get(), rec.data(), &recLen, sig.data(), len), 1);
    rec.resize(recLen);
    Bytes hash = *hashOnce(h, data);
    EXPECT_EQ(rec, digestInfo(h, hash)) << hashInfo(h).opensslName;
    EXPECT_EQ(stripDigestInfo(rec), std::optional<Bytes>(hash));
  }
  EXPECT_FALSE(stripDigestInfo(randomBytes(51)).has_value());
}

Bytes derOf(const char* text, bool asOid) {
  unsigned char* der = nullptr;
  int len = 0;
  if (asOid) {
    ASN1_OBJECT* o = OBJ_txt2obj(text, 0);
    len = i2d_ASN1_OBJECT(o, &der);
    ASN1_OBJECT_free(o);
  } else {
    ASN1_STRING* s = ASN1_STRING_type_new(V_ASN1_PRINTABLESTRING);
    ASN1_STRING_set(s, text, -1);
    len = i2d_ASN1_PRINTABLESTRING(s, &der);
    ASN1_STRING_free(s);
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

TEST(EcParams, OidsAndPrintableNames) {
  struct {
    const char* text;
    bool oid;
    nethsm::KeyType type;
  } ok[] = {{"1.2.840.10045.3.1.7", true, nethsm::KeyType::kEcP256},
            {"1.3.132.0.34", true, nethsm::KeyType::kEcP384},
            {"1.3.132.0.35", true, nethsm::KeyType::kEcP521},
            {"1.3.132.0.10", true, nethsm::KeyType::kEcP256K1},
            {"1.3.36.3.3.2.8.1.1.7", true, nethsm::KeyType::kBrainpoolP256},
            {"1.3.36.3.3.2.8.1.1.11", true, nethsm::KeyType::kBrainpoolP384},
            {"1.3.36.3.3.2.8.1.1.13", true, nethsm::KeyType::kBrainpoolP512},
            {"1.3.101.112", true, nethsm::KeyType::kCurve25519},
            {"edwards25519", false, nethsm::KeyType::kCurve25519},
            {"prime256v1", false, nethsm::KeyType::kEcP256},
            {"secp384r1", false, nethsm::KeyType::kEcP384},
            {"P-521", false, nethsm::KeyType::kEcP521},
            {"brainpoolP512r1", false, nethsm::KeyType::kBrainpoolP512}};
  for (const auto& c : ok) {
    auto curve = curveFromEcParams(derOf(c.text, c.oid));
    ASSERT_TRUE(curve) << c.text << ": " << curve.error().message;
    EXPECT_EQ((*curve)->type, c.type) << c.text;
    if (c.oid) {
      EXPECT_EQ(*ecParamsDer(**curve), derOf(c.text, true));  // CKA_EC_PARAMS back
    }
  }
  auto ed448 = curveFromEcParams(derOf("1.3.101.113", true));
  ASSERT_FALSE(ed448);
  EXPECT_EQ(ed448.error().pkcs11Rv, CKR_CURVE_NOT_SUPPORTED);
  auto p192 = curveFromEcParams(derOf("1.2.840.10045.3.1.1", true));
  ASSERT_FALSE(p192);
  EXPECT_EQ(p192.error().pkcs11Rv, CKR_CURVE_NOT_SUPPORTED);
  auto junk = curveFromEcParams(Bytes{0x06, 0x05, 0x01});
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().pkcs11Rv, CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(EcdsaDer, RawAndDerConvertBothWays) {
  for (size_t width : {32U, 48U, 66U}) {
    for (int i = 0; i < 20; ++i) {
      Bytes raw = randomBytes(2 * width);
      raw[0] = 0;  // leading zeros must survive as fixed width
      raw[width] = static_cast<uint8_t>(i);
      auto der = ecdsaRawToDer(raw);
      ASSERT_TRUE(der);
      auto back = ecdsaDerToRaw(*der, width);
      ASSERT_TRUE(back);
      EXPECT_EQ(*back, raw);
    }
  }
  EXPECT_FALSE(ecdsaDerToRaw(Bytes{0x30, 0x01}, 32));
}

TEST(EcdsaInput, FittedToWhatTheApplianceRequires) {
  Bytes in = {1, 2, 3};
  EXPECT_EQ(fitEcdsaInput(in, 5), (Bytes{0, 0, 1, 2, 3}));
  EXPECT_EQ(fitEcdsaInput(in, 2), (Bytes{1, 2}));
  // P-521 signs a 64-byte input (BEHAVIOUR.md §6): a 66-byte input is cut to 64.
  const TestKey& k = testKey("secp521r1");
  CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
  Bytes input = randomBytes(66);
  auto sig = runOperation(OperationKind::kSign, m, k.view, input);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(sig->size(), 132U);
  EXPECT_TRUE(runVerify(m, k.view, input, *sig));
  auto empty = runOperation(OperationKind::kSign, m, k.view, Bytes{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
}

TEST(Firmware30, Pkcs1SendsTheBareHashAndRefusesOtherInput) {
  auto appliance = std::make_shared<LocalAppliance>(nethsm::FirmwareVersion{3, 0});
  const TestKey& k = testKey("rsa2048");
  appliance->addKey(k.name, k.key.get());
  Bytes data = randomBytes(100);
  CK_MECHANISM hashSign{CKM_SHA256_RSA_PKCS, nullptr, 0};
  auto sig = runOperation(OperationKind::kSign, hashSign, k.view, data, 0, {3, 0}, appliance);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(runVerify(hashSign, k.view, data, *sig));
  CK_MECHANISM raw{CKM_RSA_PKCS, nullptr, 0};
  Bytes info = digestInfo(HashAlg::kSha384, *hashOnce(HashAlg::kSha384, data));
  auto rawSig = runOperation(OperationKind::kSign, raw, k.view, info, 0, {3, 0}, appliance);
  ASSERT_TRUE(rawSig) << rawSig.error().message;
  EXPECT_TRUE(runVerify(raw, k.view, info, *rawSig));
  auto refused =
      runOperation(OperationKind::kSign, raw, k.view, randomBytes(36), 0, {3, 0}, appliance);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().pkcs11Rv, CKR_DATA_INVALID);
  // 3.1 went back to raw padding: arbitrary CKM_RSA_PKCS input is signed as given.
  auto v31 = runOperation(OperationKind::kSign, raw, k.view, randomBytes(36), 0, {3, 1});
  EXPECT_TRUE(v31);
}

TEST(RsaPkcs, InputLongerThanKMinus11IsDataLenRange) {
  const TestKey& k = testKey("rsa1024");
  CK_MECHANISM raw{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_TRUE(runOperation(OperationKind::kSign, raw, k.view, randomBytes(117)));
  auto r = runOperation(OperationKind::kSign, raw, k.view, randomBytes(118));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
}

}  // namespace
}  // namespace p11nethsm::mech::test
