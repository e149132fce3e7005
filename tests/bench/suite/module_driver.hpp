#pragma once
// The built libnethsm_pkcs11.so as an application sees it (dlopen, C_Initialize, one
// session per thread), pointed at a benchmark mock through its own configuration file.
#include <memory>
#include <string>
#include <vector>

#include "mock_process.hpp"
#include "p11nethsm_test/module_loader.hpp"

namespace p11nethsm::bench {

class ModuleDriver {
 public:
  // Writes a configuration for every instance of `mock` (pinned, operator and
  // administrator passwords in the file) plus `extraSlotYaml` (4-space indented
  // options, e.g. "    cache_refresh_seconds: 600\n"), then loads the module.
  ModuleDriver(const std::string& modulePath, const MockProcess& mock,
               const std::string& extraSlotYaml = {});
  ~ModuleDriver();
  ModuleDriver(const ModuleDriver&) = delete;
  ModuleDriver& operator=(const ModuleDriver&) = delete;

  bool ok() const { return initialized_; }
  CK_FUNCTION_LIST_PTR f() const { return loader_->functions(); }

  CK_SESSION_HANDLE openSession() const;  // CK_INVALID_HANDLE on failure
  void closeSession(CK_SESSION_HANDLE session) const;
  // The private key whose CKA_ID is the NetHSM key ID `id` (CK_INVALID_HANDLE if none).
  CK_OBJECT_HANDLE privateKey(CK_SESSION_HANDLE session, const std::string& id) const;
  // C_SignInit + C_Sign into `signature` (resized to the signature length).
  bool sign(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mechanism,
            const std::vector<unsigned char>& data, std::vector<unsigned char>& signature) const;
  // `count` sessions, each with its handle of the private key `id` (one per thread of
  // a run); empty when a session or the key is missing. closeSessions() ends them.
  struct KeySessions {
    std::vector<CK_SESSION_HANDLE> sessions;
    std::vector<CK_OBJECT_HANDLE> keys;
  };
  KeySessions keySessions(size_t count, const std::string& id) const;
  void closeSessions(const KeySessions& opened) const;
  // C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal; -1 on error.
  long count(CK_SESSION_HANDLE session, std::vector<CK_ATTRIBUTE> tmpl) const;

 private:
  std::string configPath_;
  std::unique_ptr<testing::ModuleLoader> loader_;
  bool initialized_ = false;
};

}  // namespace p11nethsm::bench
