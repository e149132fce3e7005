#pragma once
// The NetHSM's persistent state shared by every instance of a cluster: device state,
// users, namespaces, keys and certificates. One mutex guards it; no network I/O is done
// while it is held. With a state file, every mutation is written atomically
// (temporary file + fsync + rename) so a restarted mock has the same keys.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "key_material.hpp"

namespace p11nethsm::mock {

enum class HsmState { kUnprovisioned, kLocked, kOperational };
std::string stateName(HsmState state);

struct User {
  std::string realName;
  std::string role;  // Administrator, Operator, Metrics, Backup
  std::string salt;  // passphrases are kept only as salted SHA-256
  std::string passHash;
  std::set<std::string> tags;
};

struct Key {
  KeyMaterial material;
  std::vector<std::string> mechanisms;  // sorted in the API's enum order
  std::set<std::string> tags;
  std::optional<std::string> certificate;  // opaque bytes
  uint64_t operations = 0;
  std::string label;  // firmware 5.0
};

// Full user name: "id" in the root namespace, "ns~id" otherwise.
struct UserName {
  std::string ns;
  std::string id;
  std::string full() const { return ns.empty() ? id : ns + "~" + id; }
};
std::optional<UserName> splitUserName(const std::string& full);

class Store {
 public:
  explicit Store(std::string stateFile);

  // Loads the state file if it exists; false if it exists but cannot be read.
  bool load(std::string& error);
  // Writes the state file (no-op without one). Caller holds mutex().
  void persistLocked() const;

  std::mutex& mutex() { return mutex_; }

  // All below: caller holds mutex().
  HsmState state = HsmState::kUnprovisioned;
  std::string unlockSalt;
  std::string unlockHash;
  std::string backupPassphraseHash;  // empty: no backup passphrase set
  std::map<std::string, User> users;  // by full name
  std::set<std::string> namespaces;
  std::map<std::string, std::map<std::string, Key>> keys;  // namespace → id → key
  nlohmann::json config = nlohmann::json::object();         // /config/* values

  void setUserPassphrase(User& user, const std::string& passphrase);
  bool checkUserPassphrase(const User& user, const std::string& passphrase) const;
  void setUnlockPassphrase(const std::string& passphrase);
  bool checkUnlockPassphrase(const std::string& passphrase) const;
  // Sets the backup passphrase: its hash, and the key that encrypts backups.
  void setBackupPassphrase(const std::string& passphrase);
  static std::string deriveBackupKey(const std::string& passphrase, const std::string& salt);
  void resetLocked();  // factory reset
  // The whole state as JSON (state file and /system/backup) and back.
  nlohmann::json toJsonLocked() const;
  bool fromJsonLocked(const nlohmann::json& j);
  std::string backupKeySalt;  // /system/backup key, derived from the backup passphrase
  std::string backupKey;

 private:
  std::string stateFile_;
  mutable std::mutex mutex_;
};

std::string saltedHash(const std::string& salt, const std::string& secret);

}  // namespace p11nethsm::mock
