// Issue 5 §5–6: objects, attributes and search.
#include <openssl/x509.h>

#include <chrono>
#include <thread>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

TEST_F(Battery, EveryKeyBecomesItsObjects) {
  CK_SESSION_HANDLE s = open();
  auto all = find(s, {});
  EXPECT_EQ(lastRv_, CKR_OK);
  // 4 key pairs → 8 objects, 1 secret key, 1 certificate (at least: other tests add keys).
  EXPECT_GE(all.size(), 10u);
  CK_OBJECT_CLASS cert = CKO_CERTIFICATE, secret = CKO_SECRET_KEY;
  auto certs = find(s, {attr(CKA_CLASS, &cert, sizeof cert)});
  ASSERT_GE(certs.size(), 1u);
  auto secrets = find(s, {attr(CKA_CLASS, &secret, sizeof secret)});
  ASSERT_GE(secrets.size(), 1u);
  EXPECT_EQ(ulongAttribute(s, secrets[0], CKA_KEY_TYPE), CKK_AES);
}

TEST_F(Battery, FindMatchesEveryTemplateAttributeByValue) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
  CK_KEY_TYPE rsa = CKK_RSA, ec = CKK_EC;
  CK_BBOOL no = CK_FALSE;
  auto rsaKeys =
      find(s, {attr(CKA_CLASS, &priv, sizeof priv), attr(CKA_KEY_TYPE, &rsa, sizeof rsa)});
  ASSERT_EQ(rsaKeys.size(), 1u);
  EXPECT_EQ(attribute(s, rsaKeys[0], CKA_ID), toBytes(kRsaId));
  auto ecKeys = find(s, {attr(CKA_CLASS, &priv, sizeof priv), attr(CKA_KEY_TYPE, &ec, sizeof ec)});
  EXPECT_GE(ecKeys.size(), 2u);  // p256 and the binary-ID key
  EXPECT_TRUE(find(s, {attr(CKA_CLASS, &priv, sizeof priv), attr(CKA_SIGN, &no, 1)}).empty());
  std::string label = kP256Id;
  auto byLabel = find(s, {attr(CKA_LABEL, label.data(), label.size())});
  EXPECT_EQ(byLabel.size(), 2u);  // private and public key
  std::string missing = "noSuchKey";
  EXPECT_TRUE(find(s, {attr(CKA_ID, missing.data(), missing.size())}).empty());
  EXPECT_EQ(lastRv_, CKR_OK);
}

TEST_F(Battery, BinaryIdsUseTheHexEncoding) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, kBinaryId);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  EXPECT_EQ(attribute(s, key, CKA_ID), (Bytes{0x01, 0xFF, 0x80}));
  EXPECT_EQ(attribute(s, key, CKA_LABEL), toBytes(kBinaryId));
}

TEST_F(Battery, FindStatesPerSpec) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE h[4];
  CK_ULONG n = 0;
  EXPECT_EQ(p_->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(p_->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(p_->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
  EXPECT_EQ(p_->C_FindObjectsInit(s, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(p_->C_FindObjectsInit(s, nullptr, 1), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(p_->C_FindObjects(s, h, 4, &n), CKR_OK);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(p_->C_FindObjectsFinal(s), CKR_OK);
  EXPECT_EQ(p_->C_FindObjectsInit(s + 100000, nullptr, 0), CKR_SESSION_HANDLE_INVALID);
}

TEST_F(Battery, GetAttributeValueCodesPerAttribute) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_KEY_TYPE type = 0;
  CK_BYTE small[2];
  CK_ATTRIBUTE t[] = {
      {CKA_KEY_TYPE, &type, sizeof type}, {CKA_PRIVATE_EXPONENT, nullptr, 0},  // sensitive
      {0x7FFF0001UL, nullptr, 0},                                              // no such attribute
      {CKA_MODULUS, small, sizeof small},                                      // too small
      {CKA_MODULUS, nullptr, 0},                                               // length query
  };
  CK_RV rv = p_->C_GetAttributeValue(s, key, t, 5);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
              rv == CKR_BUFFER_TOO_SMALL)
      << rv;
  EXPECT_EQ(type, CKK_RSA);  // processed although others fail
  EXPECT_EQ(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t[4].ulValueLen, 256u);
  CK_ATTRIBUTE one[] = {{CKA_PRIVATE_EXPONENT, nullptr, 0}};
  EXPECT_EQ(p_->C_GetAttributeValue(s, key, one, 1), CKR_ATTRIBUTE_SENSITIVE);
  CK_ATTRIBUTE unknown[] = {{0x7FFF0001UL, nullptr, 0}};
  EXPECT_EQ(p_->C_GetAttributeValue(s, key, unknown, 1), CKR_ATTRIBUTE_TYPE_INVALID);
  CK_ATTRIBUTE tooSmall[] = {{CKA_MODULUS, small, sizeof small}};
  EXPECT_EQ(p_->C_GetAttributeValue(s, key, tooSmall, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(p_->C_GetAttributeValue(s, 0xFFFFFF, one, 1), CKR_OBJECT_HANDLE_INVALID);
  CK_ULONG size = 0;
  EXPECT_EQ(p_->C_GetObjectSize(s, key, &size), CKR_OK);
  EXPECT_GT(size, 256u);
  EXPECT_EQ(p_->C_GetObjectSize(s, 0xFFFFFF, &size), CKR_OBJECT_HANDLE_INVALID);
}

TEST_F(Battery, RsaAttributesMatchTheAppliance) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE priv = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  CK_OBJECT_HANDLE pub = findKey(s, CKO_PUBLIC_KEY, kRsaId);
  ASSERT_NE(pub, CK_INVALID_HANDLE);
  auto info = env_->admin().getKey(kRsaId);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(attribute(s, pub, CKA_MODULUS), info->publicKey.modulus);
  EXPECT_EQ(attribute(s, pub, CKA_PUBLIC_EXPONENT), info->publicKey.publicExponent);
  EXPECT_EQ(ulongAttribute(s, pub, CKA_MODULUS_BITS), 2048u);
  EXPECT_TRUE(boolAttribute(s, priv, CKA_SIGN));
  EXPECT_TRUE(boolAttribute(s, priv, CKA_DECRYPT));
  EXPECT_TRUE(boolAttribute(s, priv, CKA_SENSITIVE));
  EXPECT_FALSE(boolAttribute(s, priv, CKA_EXTRACTABLE));
  EXPECT_TRUE(boolAttribute(s, pub, CKA_VERIFY));
  EXPECT_TRUE(boolAttribute(s, pub, CKA_ENCRYPT));
  Bytes spki = attribute(s, pub, CKA_PUBLIC_KEY_INFO);
  const unsigned char* p = spki.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(k), 2048);
  EVP_PKEY_free(k);
  Bytes mechs = attribute(s, priv, CKA_ALLOWED_MECHANISMS);
  EXPECT_EQ(mechs.size() % sizeof(CK_MECHANISM_TYPE), 0u);
  EXPECT_GT(mechs.size(), 0u);
}

TEST_F(Battery, EcAndEdAttributesAreDer) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE ec = findKey(s, CKO_PUBLIC_KEY, kP256Id);
  CK_OBJECT_HANDLE ed = findKey(s, CKO_PUBLIC_KEY, kEdId);
  EXPECT_EQ(attribute(s, ec, CKA_EC_PARAMS),
            (Bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}));
  Bytes point = attribute(s, ec, CKA_EC_POINT);
  ASSERT_EQ(point.size(), 67u);
  EXPECT_EQ(point[0], 0x04);  // OCTET STRING
  EXPECT_EQ(point[2], 0x04);  // uncompressed point
  EXPECT_EQ(attribute(s, ed, CKA_EC_PARAMS), (Bytes{0x06, 0x03, 0x2b, 0x65, 0x70}));
  EXPECT_EQ(ulongAttribute(s, ed, CKA_KEY_TYPE), CKK_EC_EDWARDS);
  EXPECT_EQ(attribute(s, ed, CKA_EC_POINT).size(), 34u);
}

TEST_F(Battery, CertificatesAreDerWithParsedNames) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE cert = findKey(s, CKO_CERTIFICATE, kRsaId);
  ASSERT_NE(cert, CK_INVALID_HANDLE);
  Bytes der = attribute(s, cert, CKA_VALUE);
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(x, nullptr);  // stored as PEM on the appliance, DER here
  int len = i2d_X509_NAME(X509_get_subject_name(x), nullptr);
  EXPECT_EQ(attribute(s, cert, CKA_SUBJECT).size(), static_cast<size_t>(len));
  EXPECT_EQ(attribute(s, cert, CKA_ISSUER), attribute(s, cert, CKA_SUBJECT));
  EXPECT_EQ(attribute(s, cert, CKA_SERIAL_NUMBER), (Bytes{0x02, 0x02, 0x10, 0x92}));  // 4242
  EXPECT_EQ(ulongAttribute(s, cert, CKA_CERTIFICATE_TYPE), CKC_X_509);
  X509_free(x);
}

TEST_F(Battery, KeyCreatedElsewhereIsFoundByIdAtOnce) {
  CK_SESSION_HANDLE s = open();
  EXPECT_FALSE(find(s, {}).empty());  // the listing is cached now
  ASSERT_EQ(env_->generateKey(nethsm::KeyType::kEcP256, "outOfBand1"), "outOfBand1");
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, "outOfBand1");
  EXPECT_NE(key, CK_INVALID_HANDLE);
  ASSERT_TRUE(env_->admin().deleteKey("outOfBand1").ok());
}

TEST_F(Battery, SearchByIdCostsAtMostTwoRequests) {
  CK_SESSION_HANDLE s = open();
  env_->mock().resetCounters();
  std::string id = kEdId;
  auto found = find(s, {attr(CKA_ID, id.data(), id.size())});
  EXPECT_EQ(found.size(), 2u);
  // The background health checker's probes are no part of the search.
  auto& mock = env_->mock();
  EXPECT_LE(mock.counters(0).requests - mock.endpointCount(0, "GET /health/ready"), 2u)
      << "key " << env_->mock().endpointCount(0, "GET /keys/{id}") << " cert "
      << env_->mock().endpointCount(0, "GET /keys/{id}/cert") << " system "
      << env_->mock().endpointCount(0, "GET /system/info") << " health "
      << env_->mock().endpointCount(0, "GET /health/ready");
  EXPECT_EQ(env_->mock().endpointCount(0, "GET /keys"), 0u);
}

TEST_F(Battery, ConcurrentListingsShareOneFetch) {
  CK_SESSION_HANDLE a = open(), b = open();
  env_->mock().resetCounters();
  env_->mock().setLatency(0, std::chrono::milliseconds(100));
  size_t foundA = 0, foundB = 0;
  CK_RV rvA = CKR_GENERAL_ERROR, rvB = CKR_GENERAL_ERROR;
  std::thread t([&] { foundA = findWith(a, {}, rvA).size(); });
  foundB = findWith(b, {}, rvB).size();
  t.join();
  env_->mock().setLatency(0, std::chrono::milliseconds(0));
  EXPECT_EQ(rvA, CKR_OK);
  EXPECT_EQ(rvB, CKR_OK);
  EXPECT_GE(foundA, 10u);
  EXPECT_EQ(foundA, foundB);
  EXPECT_EQ(env_->mock().endpointCount(0, "GET /keys"), 1u);
}

}  // namespace
}  // namespace p11nethsm::conformance
