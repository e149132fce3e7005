#pragma once
// The PKCS#11 conformance battery (issue 5): written once against a
// CK_FUNCTION_LIST*, run linked statically (test_conformance) and through the built
// libnethsm_pkcs11.so via dlopen (test_conformance_so). Each runner provides the
// functions declared at the top.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "p11nethsm/pkcs11.hpp"
#include "p11nethsm_test/mock_environment.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::conformance {

// Provided by the runner.
CK_FUNCTION_LIST_PTR batteryFunctions();
CK_C_GetInterfaceList batteryInterfaceList();
CK_C_GetInterface batteryGetInterface();

// Keys every test finds on the mock (generated once per suite).
inline constexpr const char* kRsaId = "rsa2048";
inline constexpr const char* kP256Id = "p256";
inline constexpr const char* kEdId = "ed25519";
inline constexpr const char* kAesId = "aes256";
inline constexpr const char* kBinaryId = "0---01FF80";  // CKA_ID {0x01, 0xFF, 0x80}

class Battery : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // Re-initializes the module with another configuration.
  void reinitialize(const testing::EnvironmentOptions& options);

  CK_SESSION_HANDLE open(bool readWrite = false);
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl);
  // The same with the result code in `rv`: for searches from several threads at once
  // (find() writes lastRv_, which is the fixture's).
  std::vector<CK_OBJECT_HANDLE> findWith(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl,
                                         CK_RV& rv) const;
  CK_OBJECT_HANDLE findKey(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const std::string& id);
  Bytes attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  CK_ULONG ulongAttribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  bool boolAttribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  CK_STATE state(CK_SESSION_HANDLE s);
  CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE type, const std::string& pin);
  // Signs with the key and mechanism; empty on failure (rv in lastRv_).
  Bytes sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, const Bytes& data);

  friend class Lifecycle;
  static testing::MockEnvironment* env_;
  CK_FUNCTION_LIST_PTR p_ = nullptr;
  CK_RV lastRv_ = CKR_OK;
  bool initialized_ = false;
};

// A fixture for lifecycle tests: the module starts uninitialized.
class Lifecycle : public Battery {
 protected:
  void SetUp() override;

 public:
  // Shared by both fixtures: configuration written, function list fetched.
  static void prepare(Battery& battery);
};

// A positive number from the environment (test durations and sizes), else `fallback`.
long envNumber(const char* name, long fallback);

Bytes selfSignedCertificateDer(const std::string& commonName);
// SubjectPublicKeyInfo DER + signature verified with OpenSSL (digest SHA-256 or none).
bool opensslVerify(const Bytes& spki, const Bytes& data, const Bytes& signature, bool sha256,
                   bool rawEcdsa);

// For tests with a mock of their own (outside the Battery fixture): C_Initialize and a
// session on slot 0, then the mock's counters reset so that the test counts only its
// own requests. CK_INVALID_HANDLE (and a gtest failure) when either call fails.
inline CK_SESSION_HANDLE initializeAndOpen(CK_FUNCTION_LIST_PTR p, testing::MockEnvironment& env) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  EXPECT_EQ(p->C_Initialize(nullptr), CKR_OK);
  EXPECT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
  env.mock().resetCounters();
  return s;
}

inline CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, void* value, CK_ULONG len) {
  return CK_ATTRIBUTE{type, value, len};
}

}  // namespace p11nethsm::conformance
