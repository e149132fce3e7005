#pragma once
// The NetHSM's persistent state shared by every instance of a cluster: device state,
// users, namespaces, keys and certificates. One mutex guards it; no network I/O is done
// while it is held. With a state file, every mutation appends the entities it changed
// as one line to FILE.journal (fdatasync before the answer), so a change costs the
// size of what changed, not of the whole state; the snapshot FILE is rewritten
// atomically (temporary file + fsync + rename) on start, on stop, after a change that
// touches everything (restore, reset), and when the journal outgrows the state.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

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

// What one mutation changed; the journal records it as one line, which a restart
// replays whole or (torn by a crash before the answer) not at all.
// Built as e.g. Changes().key(ns, id) or Changes().user(name).withSettings().
struct Changes {
  std::vector<std::pair<std::string, std::string>> keys;  // (namespace, id): present or deleted
  std::vector<std::string> users;                         // full names: present or deleted
  bool settings = false;  // state, passphrases, namespaces, /config values

  Changes& key(const std::string& ns, const std::string& id) {
    keys.emplace_back(ns, id);
    return *this;
  }
  Changes& user(const std::string& name) {
    users.push_back(name);
    return *this;
  }
  Changes& withSettings() {
    settings = true;
    return *this;
  }
};

class Store {
 public:
  explicit Store(std::string stateFile);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Loads the snapshot and replays the journal, then compacts them into a new
  // snapshot. No file yet: factory-new. False if a file cannot be read.
  bool load(std::string& error);
  // Records `changes` (no-op without a state file). Caller holds mutex().
  void persistLocked(const Changes& changes);
  // Writes a new snapshot and empties the journal (restore, reset, stop).
  void persistAllLocked();

  std::mutex& mutex() { return mutex_; }

  // All below: caller holds mutex().
  HsmState state = HsmState::kUnprovisioned;
  std::string unlockSalt;
  std::string unlockHash;
  std::string backupPassphraseHash;   // empty: no backup passphrase set
  std::map<std::string, User> users;  // by full name
  std::set<std::string> namespaces;
  std::map<std::string, std::map<std::string, Key>> keys;  // namespace → id → key
  nlohmann::json config = nlohmann::json::object();        // /config/* values

  void setUserPassphrase(User& user, const std::string& passphrase);
  bool checkUserPassphrase(const User& user, const std::string& passphrase) const;
  void setUnlockPassphrase(const std::string& passphrase);
  bool checkUnlockPassphrase(const std::string& passphrase) const;
  // Sets the backup passphrase: its hash, and the key that encrypts backups.
  void setBackupPassphrase(const std::string& passphrase);
  static std::string deriveBackupKey(const std::string& passphrase, const std::string& salt);
  void resetLocked();  // factory reset
  // Test set-up without HTTP (store_setup.cpp): Operational with user "admin", and
  // another user (its namespace created). Take the mutex themselves.
  void provision(const std::string& adminPassphrase, const std::string& unlockPassphrase);
  void addUser(const std::string& userId, const std::string& role, const std::string& passphrase);
  // The whole state as JSON (state file and /system/backup) and back.
  nlohmann::json toJsonLocked() const;
  bool fromJsonLocked(const nlohmann::json& j);
  std::string backupKeySalt;  // /system/backup key, derived from the backup passphrase
  std::string backupKey;

 private:
  // Entities as stored (store_codec.cpp); fromJson parts return false on bad input.
  nlohmann::json settingsJsonLocked() const;
  void applySettingsLocked(const nlohmann::json& j);
  void applyBootStateLocked();  // the state a restarted appliance boots into
  bool applyChangesLocked(const nlohmann::json& line);  // one journal line
  std::string changesLineLocked(const Changes& changes) const;
  // Persistence (store_journal.cpp).
  bool replayJournalLocked(std::string& error);
  bool appendJournalLocked(const std::string& line);
  bool writeSnapshotLocked() const;

  std::string stateFile_;
  std::string journalFile_;
  int journalFd_ = -1;
  size_t journalLines_ = 0;            // since the last snapshot
  uint64_t generation_ = 0;            // of the snapshot; the journal's header names it
  bool journalClean_ = false;          // on load: the journal held its header only
  bool persistedProvisioned_ = false;  // "state" as last persisted, for the boot state
  mutable std::mutex mutex_;
};

std::string saltedHash(const std::string& salt, const std::string& secret);

}  // namespace p11nethsm::mock
