#pragma once
// One slot per configured slot (issue 5 §3): its appliance connection (cluster and
// NetHSM client, nethsm/connection.hpp), credentials, object cache and the token-wide login state
// (PKCS#11 v2.40 §6.6: login is per token and application, shared by every session).
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/credentials.hpp"
#include "core/object_store.hpp"
#include "nethsm/client.hpp"
#include "nethsm/connection.hpp"
#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::core {

// Who is logged in by C_Login / C_LoginUser; config passwords are not a login.
enum class LoginState { kNone, kUser, kSecurityOfficer };

struct SlotOptions {
  bool threadsAllowed = true;
  bool parallelListing = true;
};

class Slot {
 public:
  Slot(CK_SLOT_ID id, config::SlotConfig config, SlotOptions options);
  ~Slot();
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  CK_SLOT_ID id() const { return id_; }
  const config::SlotConfig& config() const { return config_; }
  nethsm::Connection& connection() { return *connection_; }
  SlotCredentials& credentials() { return credentials_; }
  nethsm::Client& client() { return connection_->client(); }
  ObjectStore& objects() { return *objects_; }
  // Module threads allowed (no CKF_LIBRARY_CANT_CREATE_OS_THREADS, no disable_threads).
  bool threadsAllowed() const { return threadsAllowed_; }

  // Last known health, no I/O: present unless every instance is known failed.
  bool tokenPresent() const;
  // A password must come from C_Login (CKF_LOGIN_REQUIRED, issue 5 §3).
  bool loginRequired() const;
  // Private objects are visible and usable: logged in, or passwords configured.
  bool privateAccess() const;

  LoginState loginState() const;
  void setLoginState(LoginState state);

  // Serial number (deviceId of /system/info) once learnt; empty until then.
  std::string serialNumber() const;
  void setSerialNumber(std::string serial);

  // enable_set_attribute_value (seed 004): CKA_ID aliases set by C_SetAttributeValue,
  // kept in memory and resolved when a certificate is uploaded.
  void setAlias(const Bytes& alias, const std::string& nethsmId);
  std::optional<std::string> aliasTarget(const Bytes& alias) const;

  // Session objects (PKCS#11 v2.40 §4.4, CKA_TOKEN=FALSE; today session public keys):
  // in module memory only, visible to every session of the slot, destroyed with the
  // session that created them (nullopt: every session, C_CloseAllSessions).
  CK_OBJECT_HANDLE addSessionObject(Object object, CK_SESSION_HANDLE owner);
  ObjectPtr sessionObject(CK_OBJECT_HANDLE handle) const;
  std::vector<ObjectPtr> sessionObjects() const;
  bool destroySessionObject(CK_OBJECT_HANDLE handle);
  void dropSessionObjects(std::optional<CK_SESSION_HANDLE> owner);

  void abandonAfterFork();

 private:
  CK_SLOT_ID id_;
  bool threadsAllowed_;
  config::SlotConfig config_;
  SlotCredentials credentials_;
  std::unique_ptr<nethsm::Connection> connection_;
  std::unique_ptr<ObjectStore> objects_;
  mutable std::mutex mutex_;
  // Read on every call that touches private objects, from every thread: an atomic,
  // not one more lock on the signing path (issue 11).
  std::atomic<LoginState> login_{LoginState::kNone};
  std::string serial_;
  // Keyed by the alias bytes as a string: std::less<std::vector<uint8_t>> trips GCC
  // 12's -Wstringop-overread false positive at -O3 (Release builds with -Werror).
  std::map<std::string, std::string> aliases_;
  std::map<CK_OBJECT_HANDLE, std::pair<ObjectPtr, CK_SESSION_HANDLE>> sessionObjects_;
};

}  // namespace p11nethsm::core
