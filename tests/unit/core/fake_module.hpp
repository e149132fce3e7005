#pragma once
// The module linked statically (p11nethsm_abi) against an in-process NetHSM
// (tests/support fake_appliance.hpp) installed below its transport: PKCS#11 rules
// tested through the real C functions in milliseconds, without a network. The
// configured instance URLs cannot resolve, so any request that bypassed the fake
// would fail, not reach a network.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "p11nethsm/pkcs11.hpp"
#include "p11nethsm_test/fake_appliance.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::testing {

struct FakeModuleOptions {
  std::string firmware = "4.0";
  int instances = 1;
  bool operatorPasswordInConfig = true;  // false: the PIN must come from C_Login
  bool adminPasswordInConfig = true;
  unsigned retries = 1;  // retries.count (delay_seconds is 0)
};

class FakeModule : public ::testing::Test {
 protected:
  void SetUp() override { start(FakeModuleOptions{}); }
  void TearDown() override;

  // A fresh fake appliance and configuration, then C_Initialize and one R/W session.
  void start(const FakeModuleOptions& options);
  // C_Finalize + C_Initialize on the same appliance: a new process's view.
  void restartModule();
  FakeAppliance& fake() { return *fake_; }

  // Key pairs through C_GenerateKeyPair; CKR_OK or the failure.
  CK_RV generateRsa(const Bytes& id, const std::string& label, CK_OBJECT_HANDLE& pub,
                    CK_OBJECT_HANDLE& priv);
  CK_RV generateP256(const Bytes& id, const std::string& label, CK_OBJECT_HANDLE& pub,
                     CK_OBJECT_HANDLE& priv);
  // Puts an RSA-2048 key (one per process: no key generation per test) on the
  // appliance as `id`, allowed PKCS#1 signatures and decryption, then restarts the
  // module so that it lists it.
  void importRsa(const std::string& id);
  std::vector<CK_OBJECT_HANDLE> find(std::vector<CK_ATTRIBUTE> tmpl);
  // The object of class `cls` with CKA_ID `id`; CK_INVALID_HANDLE when not exactly one.
  CK_OBJECT_HANDLE findKey(CK_OBJECT_CLASS cls, const Bytes& id);
  // One attribute through the two calls; "<rv N>" text on failure.
  std::string text(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  // Verifies `signature` over `data` with the appliance's public key of `keyId`.
  bool verify(const std::string& keyId, CK_MECHANISM_TYPE mechanism, const Bytes& data,
              const Bytes& signature);
  // How many requests of `method` on paths matching `regex` the appliance saw.
  size_t requests(const std::string& method, const std::string& regex) const {
    return fake_->count(method, regex);
  }

  CK_FUNCTION_LIST_PTR p_ = nullptr;
  CK_SESSION_HANDLE s_ = CK_INVALID_HANDLE;

 private:
  void finalize();
  std::shared_ptr<FakeAppliance> fake_;
  std::string configPath_;
  bool initialized_ = false;
};

}  // namespace p11nethsm::testing
