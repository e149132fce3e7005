// Key generation, import, rename and deletion through the core (issue 5 "key
// management wiring", issue 6 §7–9).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

using testing::kOperatorPassword;

struct Pair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
};

Bytes p256Params() { return Bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}; }

class KeyManagement : public Battery {
 protected:
  Pair generateEc(CK_SESSION_HANDLE s, std::string id) {
    Bytes params = p256Params();
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE pubT[] = {attr(CKA_EC_PARAMS, params.data(), params.size()),
                           attr(CKA_ID, id.data(), id.size())};
    CK_ATTRIBUTE privT[] = {attr(CKA_ID, id.data(), id.size()), attr(CKA_SIGN, &yes, 1)};
    CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    Pair pair;
    lastRv_ = p_->C_GenerateKeyPair(s, &m, pubT, 2, privT, 2, &pair.pub, &pair.priv);
    return pair;
  }
};

TEST_F(KeyManagement, GenerateNeedsARwSessionAndWorksAfterUserLogin) {
  CK_SESSION_HANDLE ro = open();
  generateEc(ro, "gen-ro");
  EXPECT_EQ(lastRv_, CKR_SESSION_READ_ONLY);
  CK_SESSION_HANDLE s = open(true);
  // keytool and EJBCA log in only as CKU_USER: the configured administrator is used.
  ASSERT_EQ(login(s, CKU_USER, kOperatorPassword), CKR_OK);
  Pair pair = generateEc(s, "gen-rw");
  ASSERT_EQ(lastRv_, CKR_OK);
  EXPECT_TRUE(boolAttribute(s, pair.priv, CKA_LOCAL));
  EXPECT_TRUE(boolAttribute(s, pair.priv, CKA_ALWAYS_SENSITIVE));
  EXPECT_EQ(attribute(s, pair.pub, CKA_ID), toBytes("gen-rw"));
  EXPECT_EQ(findKey(s, CKO_PRIVATE_KEY, "gen-rw"), pair.priv);
  EXPECT_EQ(sign(s, pair.priv, CKM_ECDSA_SHA256, toBytes("new key")).size(), 64u);
  ASSERT_EQ(p_->C_DestroyObject(s, pair.pub), CKR_ACTION_PROHIBITED);
  ASSERT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
  EXPECT_EQ(findKey(s, CKO_PRIVATE_KEY, "gen-rw"), CK_INVALID_HANDLE);
  EXPECT_FALSE(env_->admin().getKey("gen-rw").ok());
}

TEST_F(KeyManagement, RenameByCkaIdKeepsHandles) {
  CK_SESSION_HANDLE s = open(true);
  Pair pair = generateEc(s, "before-rename");
  ASSERT_EQ(lastRv_, CKR_OK);
  std::string newId = "after-rename";
  CK_ATTRIBUTE t[] = {attr(CKA_ID, newId.data(), newId.size())};
  ASSERT_EQ(p_->C_SetAttributeValue(s, pair.priv, t, 1), CKR_OK);
  EXPECT_EQ(attribute(s, pair.priv, CKA_ID), toBytes(newId));
  EXPECT_EQ(attribute(s, pair.pub, CKA_ID), toBytes(newId));
  EXPECT_EQ(findKey(s, CKO_PRIVATE_KEY, newId), pair.priv);
  EXPECT_TRUE(env_->admin().getKey(newId).ok());
  CK_BBOOL no = CK_FALSE;
  CK_ATTRIBUTE readOnly[] = {attr(CKA_SIGN, &no, 1)};
  EXPECT_EQ(p_->C_SetAttributeValue(s, pair.priv, readOnly, 1), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
}

TEST_F(KeyManagement, CertificateIsAttachedToTheKeyWithTheSameId) {
  CK_SESSION_HANDLE s = open(true);
  Pair pair = generateEc(s, "with-cert");
  ASSERT_EQ(lastRv_, CKR_OK);
  Bytes der = selfSignedCertificateDer("attached");
  std::string id = "with-cert";
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &cls, sizeof cls),
                      attr(CKA_CERTIFICATE_TYPE, &type, sizeof type),
                      attr(CKA_ID, id.data(), id.size()), attr(CKA_VALUE, der.data(), der.size())};
  CK_OBJECT_HANDLE cert = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_CreateObject(s, t, 4, &cert), CKR_OK);
  EXPECT_EQ(attribute(s, cert, CKA_VALUE), der);
  auto stored = env_->admin().getCertificate(id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(std::string(stored->value().begin(), stored->value().begin() + 5), "-----");  // PEM
  std::string orphan = "no-such-key";
  CK_ATTRIBUTE o[] = {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, orphan.data(), orphan.size()),
                      attr(CKA_VALUE, der.data(), der.size())};
  EXPECT_EQ(p_->C_CreateObject(s, o, 3, &cert), CKR_ATTRIBUTE_VALUE_INVALID);
  CK_ATTRIBUTE noClass[] = {attr(CKA_VALUE, der.data(), der.size())};
  EXPECT_EQ(p_->C_CreateObject(s, noClass, 1, &cert), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
}

TEST_F(KeyManagement, ImportedEcKeySignsForItsPublicKey) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  BIGNUM* priv = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key, "priv", &priv), 1);
  Bytes scalar(32);
  ASSERT_EQ(BN_bn2binpad(priv, scalar.data(), 32), 32);
  BN_free(priv);
  int spkiLen = i2d_PUBKEY(key, nullptr);
  Bytes spki(static_cast<size_t>(spkiLen));
  unsigned char* out = spki.data();
  i2d_PUBKEY(key, &out);
  EVP_PKEY_free(key);
  CK_SESSION_HANDLE s = open(true);
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_KEY_TYPE type = CKK_EC;
  CK_BBOOL yes = CK_TRUE;
  Bytes params = p256Params();
  std::string id = "imported-ec";
  CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &cls, sizeof cls),
                      attr(CKA_KEY_TYPE, &type, sizeof type),
                      attr(CKA_EC_PARAMS, params.data(), params.size()),
                      attr(CKA_VALUE, scalar.data(), scalar.size()),
                      attr(CKA_ID, id.data(), id.size()),
                      attr(CKA_SIGN, &yes, 1)};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_CreateObject(s, t, 6, &h), CKR_OK);
  EXPECT_EQ(attribute(s, h, CKA_PUBLIC_KEY_INFO), spki);
  EXPECT_FALSE(boolAttribute(s, h, CKA_ALWAYS_SENSITIVE));  // it was outside once
  Bytes data = toBytes("imported");
  Bytes sig = sign(s, h, CKM_ECDSA_SHA256, data);
  ASSERT_EQ(lastRv_, CKR_OK);
  EXPECT_TRUE(opensslVerify(spki, data, sig, true, true));
  EXPECT_EQ(p_->C_DestroyObject(s, h), CKR_OK);
}

TEST_F(KeyManagement, AliasModeForEjbca) {
  testing::EnvironmentOptions o;
  o.extraTopLevelYaml = "enable_set_attribute_value: true\n";
  reinitialize(o);
  CK_SESSION_HANDLE s = open(true);
  Pair pair = generateEc(s, "ignored-name");
  ASSERT_EQ(lastRv_, CKR_OK);
  Bytes realId = attribute(s, pair.priv, CKA_ID);
  EXPECT_NE(realId, toBytes("ignored-name"));  // names are ignored in this mode
  std::string alias = "ejbca-alias";
  CK_ATTRIBUTE t[] = {attr(CKA_ID, alias.data(), alias.size())};
  ASSERT_EQ(p_->C_SetAttributeValue(s, pair.priv, t, 1), CKR_OK);
  Bytes der = selfSignedCertificateDer("ejbca");
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE c[] = {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, alias.data(), alias.size()),
                      attr(CKA_VALUE, der.data(), der.size())};
  CK_OBJECT_HANDLE cert = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_CreateObject(s, c, 3, &cert), CKR_OK);
  // Firmware >= 3.0 (the mock runs 4.0): the key was also moved to the alias, so a
  // new process (keytool -list) sees it under the alias with its certificate.
  EXPECT_EQ(attribute(s, cert, CKA_ID), toBytes(alias));
  EXPECT_EQ(attribute(s, pair.priv, CKA_ID), toBytes(alias));
  EXPECT_TRUE(env_->admin().getKey(alias).ok());
  EXPECT_FALSE(env_->admin().getKey(toString(realId)).ok());
  auto stored = env_->admin().getCertificate(alias);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  // Binary aliases take the ID codec's "0---" form (same as a CKA_ID rename).
  Pair other = generateEc(s, "ignored-too");
  ASSERT_EQ(lastRv_, CKR_OK);
  Bytes binary{0x01, 0xFF, 0x80, 0x7F};
  CK_ATTRIBUTE b[] = {attr(CKA_ID, binary.data(), binary.size())};
  ASSERT_EQ(p_->C_SetAttributeValue(s, other.priv, b, 1), CKR_OK);
  EXPECT_TRUE(env_->admin().getKey("0---01FF807F").ok());
  EXPECT_EQ(attribute(s, other.pub, CKA_ID), binary);
  EXPECT_EQ(p_->C_DestroyObject(s, other.priv), CKR_OK);
  EXPECT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
}

// SunPKCS11's Signature.initVerify(PublicKey) creates a session public key
// (CKA_TOKEN=FALSE): in memory only, usable for C_Verify, gone with its session.
TEST_F(KeyManagement, SessionPublicKeyVerifiesAndDiesWithItsSession) {
  CK_SESSION_HANDLE s = open();  // session objects need no read-write session
  CK_SESSION_HANDLE other = open();
  CK_OBJECT_HANDLE rsaPub = findKey(s, CKO_PUBLIC_KEY, kRsaId);
  ASSERT_NE(rsaPub, CK_INVALID_HANDLE);
  Bytes modulus = attribute(s, rsaPub, CKA_MODULUS);
  Bytes exponent = attribute(s, rsaPub, CKA_PUBLIC_EXPONENT);
  Bytes data = toBytes("verify me locally");
  Bytes sig = sign(s, findKey(s, CKO_PRIVATE_KEY, kRsaId), CKM_SHA256_RSA_PKCS, data);
  ASSERT_FALSE(sig.empty());
  CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
  CK_KEY_TYPE type = CKK_RSA;
  CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
  std::string id = "session-pub";
  CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &cls, sizeof cls),
                      attr(CKA_KEY_TYPE, &type, sizeof type),
                      attr(CKA_TOKEN, &no, 1),
                      attr(CKA_ID, id.data(), id.size()),
                      attr(CKA_MODULUS, modulus.data(), modulus.size()),
                      attr(CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size())};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_CreateObject(s, t, 6, &h), CKR_OK);
  EXPECT_FALSE(boolAttribute(s, h, CKA_TOKEN));
  EXPECT_EQ(attribute(s, h, CKA_MODULUS), modulus);
  EXPECT_EQ(ulongAttribute(s, h, CKA_KEY_TYPE), CKK_RSA);
  EXPECT_EQ(findKey(s, CKO_PUBLIC_KEY, id), h);
  EXPECT_FALSE(env_->admin().getKey(id).ok());  // never sent to the appliance
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(p_->C_VerifyInit(other, &m, h), CKR_OK);  // visible to the other session
  EXPECT_EQ(p_->C_Verify(other, data.data(), data.size(), sig.data(), sig.size()), CKR_OK);
  sig[0] ^= 1;
  ASSERT_EQ(p_->C_VerifyInit(s, &m, h), CKR_OK);
  EXPECT_EQ(p_->C_Verify(s, data.data(), data.size(), sig.data(), sig.size()),
            CKR_SIGNATURE_INVALID);
  CK_OBJECT_HANDLE refused = CK_INVALID_HANDLE;
  t[2] = attr(CKA_TOKEN, &yes, 1);  // a NetHSM cannot store a public key alone
  EXPECT_EQ(p_->C_CreateObject(s, t, 6, &refused), CKR_ATTRIBUTE_VALUE_INVALID);
  ASSERT_EQ(p_->C_CloseSession(s), CKR_OK);
  CK_ATTRIBUTE get{CKA_MODULUS, nullptr, 0};
  EXPECT_EQ(p_->C_GetAttributeValue(other, h, &get, 1), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(findKey(other, CKO_PUBLIC_KEY, id), CK_INVALID_HANDLE);
}

// The NetHSM has no session keys; SunPKCS11 generates with CKA_TOKEN=FALSE and then
// stores the key, so the key is made on the appliance and reads CKA_TOKEN=TRUE.
TEST_F(KeyManagement, GeneratedKeyIsATokenObjectEvenWhenAskedForASessionKey) {
  CK_SESSION_HANDLE s = open(true);
  Bytes params = p256Params();
  CK_BBOOL no = CK_FALSE;
  std::string id = "asked-session";
  CK_ATTRIBUTE pubT[] = {attr(CKA_EC_PARAMS, params.data(), params.size()),
                         attr(CKA_TOKEN, &no, 1)};
  CK_ATTRIBUTE privT[] = {attr(CKA_ID, id.data(), id.size()), attr(CKA_TOKEN, &no, 1)};
  CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  Pair pair;
  ASSERT_EQ(p_->C_GenerateKeyPair(s, &m, pubT, 2, privT, 2, &pair.pub, &pair.priv), CKR_OK);
  EXPECT_TRUE(boolAttribute(s, pair.priv, CKA_TOKEN));
  EXPECT_TRUE(boolAttribute(s, pair.pub, CKA_TOKEN));
  ASSERT_EQ(p_->C_CloseSession(s), CKR_OK);
  CK_SESSION_HANDLE later = open(true);
  EXPECT_EQ(findKey(later, CKO_PRIVATE_KEY, id), pair.priv);
  EXPECT_TRUE(env_->admin().getKey(id).ok());
  EXPECT_EQ(p_->C_DestroyObject(later, pair.priv), CKR_OK);
}

}  // namespace
}  // namespace p11nethsm::conformance
