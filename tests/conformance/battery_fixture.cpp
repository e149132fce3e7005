#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <utility>

#include "battery.hpp"

namespace p11nethsm::conformance {

testing::MockEnvironment* Battery::env_ = nullptr;

void Battery::SetUpTestSuite() {
  env_ = new testing::MockEnvironment();
  ASSERT_TRUE(env_->ok());
  using nethsm::KeyType;
  ASSERT_EQ(env_->generateKey(KeyType::kRsa, kRsaId, 2048), kRsaId);
  ASSERT_EQ(env_->generateKey(KeyType::kEcP256, kP256Id), kP256Id);
  ASSERT_EQ(env_->generateKey(KeyType::kCurve25519, kEdId), kEdId);
  ASSERT_EQ(env_->generateKey(KeyType::kGeneric, kAesId, 256), kAesId);
  ASSERT_EQ(env_->generateKey(KeyType::kEcP256, kBinaryId), kBinaryId);
  ASSERT_TRUE(env_->admin().putCertificate(kRsaId, selfSignedCertificateDer("battery")).ok());
}

void Battery::TearDownTestSuite() {
  delete env_;
  env_ = nullptr;
}

void Battery::SetUp() {
  Lifecycle::prepare(*this);
  ASSERT_NE(p_, nullptr);
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  initialized_ = true;
}

void Lifecycle::SetUp() { prepare(*this); }

void Lifecycle::prepare(Battery& b) {
  ASSERT_TRUE(env_ && env_->ok());
  env_->writeConfig(testing::EnvironmentOptions{});
  b.p_ = batteryFunctions();
  ASSERT_NE(b.p_, nullptr);
}

long envNumber(const char* name, long fallback) {
  const char* v = std::getenv(name);
  long n = v ? std::atol(v) : 0;
  return n > 0 ? n : fallback;
}

void Battery::TearDown() {
  if (p_) p_->C_Finalize(nullptr);  // may be finalized already: result not asserted
  for (size_t i = 0; env_ && i < env_->mock().instanceCount(); ++i) env_->mock().clearFaults(i);
}

void Battery::reinitialize(const testing::EnvironmentOptions& options) {
  p_->C_Finalize(nullptr);
  env_->writeConfig(options);
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
}

CK_SESSION_HANDLE Battery::open(bool readWrite) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CK_FLAGS flags = CKF_SERIAL_SESSION | (readWrite ? CKF_RW_SESSION : 0);
  EXPECT_EQ(p_->C_OpenSession(0, flags, nullptr, nullptr, &s), CKR_OK);
  return s;
}

std::vector<CK_OBJECT_HANDLE> Battery::find(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl) {
  return findWith(s, std::move(tmpl), lastRv_);
}

std::vector<CK_OBJECT_HANDLE> Battery::findWith(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl,
                                                CK_RV& rv) const {
  std::vector<CK_OBJECT_HANDLE> out;
  rv = p_->C_FindObjectsInit(s, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
  if (rv != CKR_OK) return out;
  CK_OBJECT_HANDLE batch[7];
  CK_ULONG n = 0;
  while ((rv = p_->C_FindObjects(s, batch, 7, &n)) == CKR_OK && n > 0)
    out.insert(out.end(), batch, batch + n);
  EXPECT_EQ(p_->C_FindObjectsFinal(s), CKR_OK);
  return out;
}

CK_OBJECT_HANDLE Battery::findKey(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const std::string& id) {
  Bytes ckaId = id == kBinaryId ? Bytes{0x01, 0xFF, 0x80} : toBytes(id);
  auto found =
      find(s, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, ckaId.data(), ckaId.size())});
  return found.size() == 1 ? found[0] : CK_INVALID_HANDLE;
}

Bytes Battery::attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  lastRv_ = p_->C_GetAttributeValue(s, o, &a, 1);
  if (lastRv_ != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  lastRv_ = p_->C_GetAttributeValue(s, o, &a, 1);
  return value;
}

CK_ULONG Battery::ulongAttribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ULONG v = CK_UNAVAILABLE_INFORMATION;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  lastRv_ = p_->C_GetAttributeValue(s, o, &a, 1);
  return v;
}

bool Battery::boolAttribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  lastRv_ = p_->C_GetAttributeValue(s, o, &a, 1);
  return lastRv_ == CKR_OK && v != CK_FALSE;
}

CK_STATE Battery::state(CK_SESSION_HANDLE s) {
  CK_SESSION_INFO info{};
  EXPECT_EQ(p_->C_GetSessionInfo(s, &info), CKR_OK);
  return info.state;
}

CK_RV Battery::login(CK_SESSION_HANDLE s, CK_USER_TYPE type, const std::string& pin) {
  return p_->C_Login(s, type, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())),
                     static_cast<CK_ULONG>(pin.size()));
}

Bytes Battery::sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE type,
                    const Bytes& data) {
  CK_MECHANISM m{type, nullptr, 0};
  lastRv_ = p_->C_SignInit(s, &m, key);
  if (lastRv_ != CKR_OK) return {};
  CK_ULONG len = 0;
  Bytes in = data;
  lastRv_ = p_->C_Sign(s, in.data(), static_cast<CK_ULONG>(in.size()), nullptr, &len);
  if (lastRv_ != CKR_OK) return {};
  Bytes out(len);
  lastRv_ = p_->C_Sign(s, in.data(), static_cast<CK_ULONG>(in.size()), out.data(), &len);
  if (lastRv_ != CKR_OK) return {};
  out.resize(len);
  return out;
}

Bytes selfSignedCertificateDer(const std::string& commonName) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  int len = i2d_X509(cert, nullptr);
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(cert, &p);
  X509_free(cert);
  EVP_PKEY_free(key);
  return der;
}

bool opensslVerify(const Bytes& spki, const Bytes& data, const Bytes& signature, bool sha256,
                   bool rawEcdsa) {
  const unsigned char* p = spki.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (!key) return false;
  Bytes sig = signature;
  if (rawEcdsa) {  // r||s → DER for OpenSSL
    size_t half = sig.size() / 2;
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig.data(), static_cast<int>(half), nullptr),
                   BN_bin2bn(sig.data() + half, static_cast<int>(half), nullptr));
    int len = i2d_ECDSA_SIG(es, nullptr);
    sig.resize(static_cast<size_t>(len));
    unsigned char* q = sig.data();
    i2d_ECDSA_SIG(es, &q);
    ECDSA_SIG_free(es);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, sha256 ? EVP_sha256() : nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace p11nethsm::conformance
