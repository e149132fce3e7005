#pragma once
// Fixture of the hostile-appliance tests: one mock-nethsm per test program holding
// the real keys, a HostileServer in front of it per test, and the statically linked
// module configured to talk only to the hostile server (trace logging to a file that
// TearDown checks for secrets).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hostile_server.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "p11nethsm_test/mock_environment.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::hostile {

// Keys on the mock (generated once per program).
inline constexpr const char* kRsaKey = "rsa";      // RSA-2048
inline constexpr const char* kP256Key = "p256";    // EC_P256
inline constexpr const char* kOtherKey = "other";  // EC_P256, a second key
inline constexpr const char* kEdKey = "ed";        // Curve25519

class HostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // Config (slot YAML lines indented by 4 spaces) → C_Initialize → a session. The
  // module talks to the hostile server, or (`direct`) to the mock itself.
  void initModule(const std::string& extraSlotYaml = "", const std::string& extraTopYaml = "",
                  bool direct = false);
  void finalizeModule();

  HostileServer& server() { return *server_; }
  testing::MockEnvironment& env() { return *env_; }

  // C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal; rv of the first failing call.
  CK_RV find(std::vector<CK_ATTRIBUTE> tmpl, std::vector<CK_OBJECT_HANDLE>& out);
  // The object of class `cls` with CKA_ID = the NetHSM key ID; CK_INVALID_HANDLE if none.
  CK_OBJECT_HANDLE keyObject(const std::string& id, CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY);
  CK_RV sign(CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mechanism, const Bytes& data, Bytes& sig);
  Bytes attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);

  // OpenSSL check of `sig` over `data` with the mock's public key of `keyId`:
  // CKM_ECDSA (data = digest, sig = r||s), CKM_EDDSA, CKM_SHA256_RSA_PKCS.
  bool verifiesWithMockKey(const std::string& keyId, CK_MECHANISM_TYPE mechanism, const Bytes& data,
                           const Bytes& sig);
  // The mock's GET /keys/{id} body (to tamper with).
  std::string mockKeyJson(const std::string& keyId);

  CK_FUNCTION_LIST_PTR p11_ = nullptr;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;

 private:
  void checkLogHasNoSecrets();

  static testing::MockEnvironment* env_;
  std::unique_ptr<HostileServer> server_;
  std::string configPath_;
  std::string logPath_;
  bool initialized_ = false;
};

// Path of the request as the hostile server sees it.
inline std::string apiPath(const std::string& below) { return "/api/v1" + below; }

// Resident set high-water mark of this process, reset by resetPeakRss() (Linux).
void resetPeakRss();
size_t peakRssBytes();

}  // namespace p11nethsm::hostile
