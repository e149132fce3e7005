#include "hostile_fixture.hpp"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace p11nethsm::hostile {

testing::MockEnvironment* HostileTest::env_ = nullptr;

namespace {

std::string tempPath(const char* suffix) {
  std::string name = std::string("/tmp/p11nethsm-hostile-XXXXXX") + suffix;
  int fd = mkstemps(name.data(), static_cast<int>(std::strlen(suffix)));
  if (fd >= 0) close(fd);
  return name;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

PkeyPtr pkeyFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return PkeyPtr(key, EVP_PKEY_free);
}

Bytes rawToDer(const Bytes& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const int half = static_cast<int>(raw.size() / 2);
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), half, nullptr),
                 BN_bin2bn(raw.data() + half, half, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

void HostileTest::SetUpTestSuite() {
  env_ = new testing::MockEnvironment();
  ASSERT_TRUE(env_->ok());
  ASSERT_EQ(env_->generateKey(nethsm::KeyType::kRsa, kRsaKey, 2048), kRsaKey);
  ASSERT_EQ(env_->generateKey(nethsm::KeyType::kEcP256, kP256Key), kP256Key);
  ASSERT_EQ(env_->generateKey(nethsm::KeyType::kEcP256, kOtherKey), kOtherKey);
  ASSERT_EQ(env_->generateKey(nethsm::KeyType::kCurve25519, kEdKey), kEdKey);
}

void HostileTest::TearDownTestSuite() {
  delete env_;
  env_ = nullptr;
}

void HostileTest::SetUp() {
  ASSERT_NE(env_, nullptr);
  server_ = std::make_unique<HostileServer>("127.0.0.1", env_->mock().port());
  ASSERT_TRUE(server_->start());
  configPath_ = tempPath(".conf");
  logPath_ = tempPath(".log");
  ASSERT_EQ(C_GetFunctionList(&p11_), CKR_OK);
}

void HostileTest::TearDown() {
  finalizeModule();
  server_->stop();
  checkLogHasNoSecrets();
  if (HasFailure()) std::fprintf(stderr, "module log:\n%s\n", readFile(logPath_).c_str());
  std::remove(configPath_.c_str());
  std::remove(logPath_.c_str());
}

void HostileTest::initModule(const std::string& extraSlotYaml, const std::string& extraTopYaml,
                             bool direct) {
  const std::string url = direct ? env_->mock().baseUrl() : server_->baseUrl();
  const std::string pin = direct ? env_->mock().certificateFingerprint() : server_->fingerprint();
  std::ofstream out(configPath_, std::ios::trunc);
  out << "log_level: trace\nlog_file: \"" << logPath_ << "\"\n" << extraTopYaml;
  out << "slots:\n  - label: \"Hostile\"\n"
      << "    operator:\n      username: \"operator\"\n      password: \""
      << testing::kOperatorPassword << "\"\n"
      << "    administrator:\n      username: \"admin\"\n      password: \""
      << testing::kAdminPassword << "\"\n"
      << "    instances:\n      - url: \"" << url << "\"\n"
      << "        sha256_fingerprints:\n          - \"" << pin << "\"\n"
      << extraSlotYaml;
  out.close();
  setenv("P11NETHSM_CONFIG_FILE", configPath_.c_str(), 1);
  ASSERT_EQ(p11_->C_Initialize(nullptr), CKR_OK);
  initialized_ = true;
  CK_SLOT_ID slot = 0;
  CK_ULONG count = 1;
  ASSERT_EQ(p11_->C_GetSlotList(CK_FALSE, &slot, &count), CKR_OK);
  ASSERT_EQ(p11_->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session_), CKR_OK);
}

void HostileTest::finalizeModule() {
  if (!initialized_) return;
  EXPECT_EQ(p11_->C_Finalize(nullptr), CKR_OK);
  initialized_ = false;
}

CK_RV HostileTest::find(std::vector<CK_ATTRIBUTE> tmpl, std::vector<CK_OBJECT_HANDLE>& out) {
  out.clear();
  CK_RV rv = p11_->C_FindObjectsInit(session_, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
  if (rv != CKR_OK) return rv;
  CK_OBJECT_HANDLE batch[64];
  CK_ULONG n = 0;
  do {
    rv = p11_->C_FindObjects(session_, batch, 64, &n);
    if (rv != CKR_OK) break;
    out.insert(out.end(), batch, batch + n);
  } while (n > 0);
  CK_RV final = p11_->C_FindObjectsFinal(session_);
  return rv != CKR_OK ? rv : final;
}

CK_OBJECT_HANDLE HostileTest::keyObject(const std::string& id, CK_OBJECT_CLASS cls) {
  std::vector<CK_OBJECT_HANDLE> found;
  std::string value = id;
  CK_RV rv = find({{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, value.data(), value.size()}}, found);
  if (rv != CKR_OK || found.size() != 1) return CK_INVALID_HANDLE;
  return found[0];
}

CK_RV HostileTest::sign(CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mechanism, const Bytes& data,
                        Bytes& sig) {
  CK_MECHANISM m{mechanism, nullptr, 0};
  CK_RV rv = p11_->C_SignInit(session_, &m, key);
  if (rv != CKR_OK) return rv;
  Bytes input = data;
  sig.assign(1024, 0);
  CK_ULONG len = sig.size();
  rv = p11_->C_Sign(session_, input.data(), static_cast<CK_ULONG>(input.size()), sig.data(), &len);
  sig.resize(rv == CKR_OK ? len : 0);
  return rv;
}

Bytes HostileTest::attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (p11_->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK ||
      a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
    return {};
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  if (p11_->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK) return {};
  return value;
}

bool HostileTest::verifiesWithMockKey(const std::string& keyId, CK_MECHANISM_TYPE mechanism,
                                      const Bytes& data, const Bytes& sig) {
  auto pem = env_->admin().publicKeyPem(keyId);
  if (!pem) return false;
  PkeyPtr key = pkeyFromPem(*pem);
  if (!key) return false;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = false;
  if (mechanism == CKM_ECDSA) {
    Bytes der = rawToDer(sig);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
    ok = EVP_PKEY_verify_init(ctx) == 1 &&
         EVP_PKEY_verify(ctx, der.data(), der.size(), data.data(), data.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
  } else {
    const EVP_MD* digest = mechanism == CKM_SHA256_RSA_PKCS ? EVP_sha256() : nullptr;
    ok = EVP_DigestVerifyInit(md, nullptr, digest, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(md, sig.data(), sig.size(), data.data(), data.size()) == 1;
  }
  EVP_MD_CTX_free(md);
  return ok;
}

std::string HostileTest::mockKeyJson(const std::string& keyId) {
  HttpRequest request;
  request.method = "GET";
  request.path = apiPath("/keys/" + keyId);
  request.headers["authorization"] =
      "Basic " + base64Encode(toBytes(std::string("admin:") + testing::kAdminPassword));
  return fetchFrom("127.0.0.1", env_->mock().port(), request).body;
}

void HostileTest::checkLogHasNoSecrets() {
  const std::string log = readFile(logPath_);
  for (const std::string& secret :
       {std::string(testing::kOperatorPassword), std::string(testing::kAdminPassword),
        base64Encode(toBytes(std::string("operator:") + testing::kOperatorPassword)),
        base64Encode(toBytes(std::string("admin:") + testing::kAdminPassword))}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret reached the trace log";
  }
  EXPECT_EQ(log.find("Authorization"), std::string::npos);
}

void resetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

size_t peakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace p11nethsm::hostile
