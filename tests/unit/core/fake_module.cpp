#include "fake_module.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>

#include "p11nethsm_test/mock_environment.hpp"
#include "transport/exchanger.hpp"

namespace p11nethsm::testing {
namespace {

const Bytes kP256Params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

// `.invalid` never resolves (RFC 6761 §6.4): a request past the fake fails.
std::string instanceUrl(int i) {
  return "https://fake-nethsm-" + std::to_string(i) + ".invalid:8443/api/v1";
}

EnvironmentOptions configOf(const FakeModuleOptions& o) {
  EnvironmentOptions e;
  e.label = "Fake";
  e.instances = o.instances;
  e.operatorPasswordInConfig = o.operatorPasswordInConfig;
  e.adminPasswordInConfig = o.adminPasswordInConfig;
  e.extraSlotYaml = "    retries:\n      count: " + std::to_string(o.retries) +
                    "\n      delay_seconds: 0\n    timeout_seconds: 5\n";
  return e;
}

// The PKCS#1 import body of PUT /keys/{id} (BEHAVIOUR.md §5 "Import") for one RSA
// key made once per process.
std::string rsaImportBody() {
  static const std::string body = [] {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    auto b64 = [key](const char* name) {
      BIGNUM* bn = nullptr;
      EVP_PKEY_get_bn_param(key, name, &bn);
      Bytes bytes(static_cast<size_t>(BN_num_bytes(bn)));
      BN_bn2bin(bn, bytes.data());
      BN_free(bn);
      return base64Encode(bytes);
    };
    std::string json =
        R"({"type":"RSA","mechanisms":["RSA_Signature_PKCS1","RSA_Decryption_PKCS1"],)"
        R"("private":{"primeP":")" +
        b64(OSSL_PKEY_PARAM_RSA_FACTOR1) + R"(","primeQ":")" + b64(OSSL_PKEY_PARAM_RSA_FACTOR2) +
        R"(","publicExponent":")" + b64(OSSL_PKEY_PARAM_RSA_E) + R"("}})";
    EVP_PKEY_free(key);
    return json;
  }();
  return body;
}

}  // namespace

void FakeModule::importRsa(const std::string& id) {
  ASSERT_EQ(fake_->asAdmin("PUT", "/keys/" + id, rsaImportBody()).status, 204);
  restartModule();
}

void FakeModule::start(const FakeModuleOptions& options) {
  finalize();
  fake_ = std::make_shared<FakeAppliance>(FakeOptions{options.firmware, options.instances});
  transport::setExchangerForTests(fake_);
  if (configPath_.empty()) configPath_ = makeConfigPath();
  ASSERT_FALSE(configPath_.empty());
  std::vector<ConfigInstance> instances;
  for (int i = 0; i < options.instances; ++i) instances.push_back({instanceUrl(i), ""});
  writeModuleConfig(configPath_, configOf(options), instances);
  ASSERT_EQ(C_GetFunctionList(&p_), CKR_OK);
  restartModule();
}

void FakeModule::restartModule() {
  finalize();
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  initialized_ = true;
  ASSERT_EQ(p_->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s_),
            CKR_OK);
}

void FakeModule::finalize() {
  if (initialized_) {
    EXPECT_EQ(p_->C_Finalize(nullptr), CKR_OK);
  }
  initialized_ = false;
  s_ = CK_INVALID_HANDLE;
}

void FakeModule::TearDown() {
  finalize();
  transport::setExchangerForTests(nullptr);
  if (!configPath_.empty()) std::remove(configPath_.c_str());
  unsetenv("P11NETHSM_CONFIG_FILE");
}

CK_RV FakeModule::generateRsa(const Bytes& id, const std::string& label, CK_OBJECT_HANDLE& pub,
                              CK_OBJECT_HANDLE& priv) {
  CK_ULONG bits = 2048;
  CK_BBOOL yes = CK_TRUE;
  Bytes idCopy = id;
  std::string labelCopy = label;
  CK_ATTRIBUTE pubT[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_VERIFY, &yes, 1}};
  std::vector<CK_ATTRIBUTE> privT = {{CKA_SIGN, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
  if (!idCopy.empty()) privT.push_back({CKA_ID, idCopy.data(), idCopy.size()});
  if (!labelCopy.empty()) privT.push_back({CKA_LABEL, labelCopy.data(), labelCopy.size()});
  CK_MECHANISM m{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  return p_->C_GenerateKeyPair(s_, &m, pubT, 2, privT.data(), static_cast<CK_ULONG>(privT.size()),
                               &pub, &priv);
}

CK_RV FakeModule::generateP256(const Bytes& id, const std::string& label, CK_OBJECT_HANDLE& pub,
                               CK_OBJECT_HANDLE& priv) {
  Bytes params = kP256Params;
  Bytes idCopy = id;
  std::string labelCopy = label;
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, params.data(), params.size()}};
  std::vector<CK_ATTRIBUTE> privT = {{CKA_SIGN, &yes, 1}};
  if (!idCopy.empty()) privT.push_back({CKA_ID, idCopy.data(), idCopy.size()});
  if (!labelCopy.empty()) privT.push_back({CKA_LABEL, labelCopy.data(), labelCopy.size()});
  CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  return p_->C_GenerateKeyPair(s_, &m, pubT, 1, privT.data(), static_cast<CK_ULONG>(privT.size()),
                               &pub, &priv);
}

std::vector<CK_OBJECT_HANDLE> FakeModule::find(std::vector<CK_ATTRIBUTE> tmpl) {
  std::vector<CK_OBJECT_HANDLE> out(64);
  CK_ULONG count = 0;
  if (p_->C_FindObjectsInit(s_, tmpl.data(), static_cast<CK_ULONG>(tmpl.size())) != CKR_OK)
    return {};
  if (p_->C_FindObjects(s_, out.data(), static_cast<CK_ULONG>(out.size()), &count) != CKR_OK)
    count = 0;
  p_->C_FindObjectsFinal(s_);
  out.resize(count);
  return out;
}

CK_OBJECT_HANDLE FakeModule::findKey(CK_OBJECT_CLASS cls, const Bytes& id) {
  Bytes idCopy = id;
  auto found = find({{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, idCopy.data(), idCopy.size()}});
  return found.size() == 1 ? found[0] : CK_INVALID_HANDLE;
}

std::string FakeModule::text(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  CK_RV rv = p_->C_GetAttributeValue(s_, object, &a, 1);
  if (rv != CKR_OK) return "<rv " + std::to_string(rv) + ">";
  std::string value(a.ulValueLen, '\0');
  a.pValue = value.data();
  rv = p_->C_GetAttributeValue(s_, object, &a, 1);
  if (rv != CKR_OK) return "<rv " + std::to_string(rv) + ">";
  value.resize(a.ulValueLen);
  return value;
}

// CKM_SHA256_RSA_PKCS and CKM_ECDSA_SHA256 (r‖s, turned into DER for OpenSSL).
bool FakeModule::verify(const std::string& keyId, CK_MECHANISM_TYPE mechanism, const Bytes& data,
                        const Bytes& signature) {
  const std::string pem = fake_->publicKeyPem(keyId);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  Bytes sig = signature;
  if (mechanism == CKM_ECDSA_SHA256) {
    const size_t half = sig.size() / 2;
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig.data(), static_cast<int>(half), nullptr),
                   BN_bin2bn(sig.data() + half, static_cast<int>(half), nullptr));
    sig.resize(static_cast<size_t>(i2d_ECDSA_SIG(es, nullptr)));
    unsigned char* q = sig.data();
    i2d_ECDSA_SIG(es, &q);
    ECDSA_SIG_free(es);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace p11nethsm::testing
