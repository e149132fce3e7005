#include "store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace p11nethsm::mock {

std::string stateName(HsmState state) {
  switch (state) {
    case HsmState::kUnprovisioned: return "Unprovisioned";
    case HsmState::kLocked: return "Locked";
    case HsmState::kOperational: return "Operational";
  }
  return "Unprovisioned";
}

std::optional<UserName> splitUserName(const std::string& full) {
  auto pos = full.find('~');
  if (pos == std::string::npos) return UserName{"", full};
  if (full.find('~', pos + 1) != std::string::npos) return std::nullopt;
  return UserName{full.substr(0, pos), full.substr(pos + 1)};
}

std::string saltedHash(const std::string& salt, const std::string& secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string input = salt + ":" + secret;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  return hexEncode(Bytes(md, md + len));
}

Store::Store(std::string stateFile) : stateFile_(std::move(stateFile)) {}

void Store::setUserPassphrase(User& user, const std::string& passphrase) {
  user.salt = hexEncode(randomBytes(8));
  user.passHash = saltedHash(user.salt, passphrase);
}

bool Store::checkUserPassphrase(const User& user, const std::string& passphrase) const {
  return CRYPTO_memcmp(saltedHash(user.salt, passphrase).data(), user.passHash.data(),
                       user.passHash.size()) == 0 &&
         !user.passHash.empty();
}

void Store::setUnlockPassphrase(const std::string& passphrase) {
  unlockSalt = hexEncode(randomBytes(8));
  unlockHash = saltedHash(unlockSalt, passphrase);
}

bool Store::checkUnlockPassphrase(const std::string& passphrase) const {
  return !unlockHash.empty() && saltedHash(unlockSalt, passphrase) == unlockHash;
}

void Store::setBackupPassphrase(const std::string& passphrase) {
  backupPassphraseHash = saltedHash("backup", passphrase);
  backupKeySalt = hexEncode(randomBytes(16));
  backupKey = deriveBackupKey(passphrase, backupKeySalt);
}

std::string Store::deriveBackupKey(const std::string& passphrase, const std::string& salt) {
  Bytes key(32);
  PKCS5_PBKDF2_HMAC(passphrase.data(), static_cast<int>(passphrase.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    10000, EVP_sha256(), static_cast<int>(key.size()), key.data());
  return hexEncode(key);
}

void Store::resetLocked() {
  state = HsmState::kUnprovisioned;
  unlockSalt.clear();
  unlockHash.clear();
  backupPassphraseHash.clear();
  backupKeySalt.clear();
  backupKey.clear();
  users.clear();
  namespaces.clear();
  keys.clear();
  config = nlohmann::json::object();
}

nlohmann::json Store::toJsonLocked() const {
  nlohmann::json j;
  j["state"] = state == HsmState::kUnprovisioned ? "Unprovisioned" : "Operational";
  j["unlock"] = {{"salt", unlockSalt}, {"hash", unlockHash}};
  j["backupPassphraseHash"] = backupPassphraseHash;
  j["backupKey"] = {{"salt", backupKeySalt}, {"key", backupKey}};
  j["namespaces"] = namespaces;
  j["config"] = config;
  for (const auto& [name, u] : users) {
    j["users"][name] = {{"realName", u.realName}, {"role", u.role}, {"salt", u.salt},
                        {"hash", u.passHash}, {"tags", u.tags}};
  }
  for (const auto& [ns, byId] : keys) {
    for (const auto& [id, k] : byId) {
      nlohmann::json kj{{"material", k.material.toStorage()}, {"mechanisms", k.mechanisms},
                        {"tags", k.tags}, {"operations", k.operations}, {"label", k.label}};
      if (k.certificate) kj["certificate"] = base64Encode(*k.certificate);
      j["keys"][ns.empty() ? "~" : ns][id] = kj;
    }
  }
  return j;
}

bool Store::fromJsonLocked(const nlohmann::json& j) {
  resetLocked();
  // A restarted appliance boots Locked unless unattended boot is on. The mock boots
  // Operational unless unattended boot was explicitly switched off, so that scripts
  // restarting it keep working (README.md "State file").
  bool unattendedOff = j.contains("config") && j["config"].value("unattendedBoot", "") == "off";
  state = j.value("state", "Unprovisioned") == "Unprovisioned" ? HsmState::kUnprovisioned
          : unattendedOff                                        ? HsmState::kLocked
                                                                 : HsmState::kOperational;
  unlockSalt = j["unlock"].value("salt", "");
  unlockHash = j["unlock"].value("hash", "");
  backupPassphraseHash = j.value("backupPassphraseHash", "");
  if (j.contains("backupKey")) {
    backupKeySalt = j["backupKey"].value("salt", "");
    backupKey = j["backupKey"].value("key", "");
  }
  namespaces = j.value("namespaces", std::set<std::string>{});
  config = j.value("config", nlohmann::json::object());
  // Named copies: a temporary from value() would die before the loop body runs.
  const nlohmann::json allUsers = j.value("users", nlohmann::json::object());
  const nlohmann::json allKeys = j.value("keys", nlohmann::json::object());
  for (const auto& [name, uj] : allUsers.items()) {
    User u{uj.value("realName", ""), uj.value("role", ""), uj.value("salt", ""),
           uj.value("hash", ""), uj.value("tags", std::set<std::string>{})};
    users[name] = u;
  }
  for (const auto& [nsKey, byId] : allKeys.items()) {
    std::string ns = nsKey == "~" ? "" : nsKey;
    for (const auto& [id, kj] : byId.items()) {
      auto material = KeyMaterial::fromStorage(kj["material"]);
      if (!material) return false;
      Key k{*material, kj.value("mechanisms", std::vector<std::string>{}),
            kj.value("tags", std::set<std::string>{}), std::nullopt,
            kj.value("operations", uint64_t{0}), kj.value("label", "")};
      if (kj.contains("certificate")) {
        auto cert = base64Decode(kj["certificate"].get<std::string>());
        if (cert) k.certificate = toString(*cert);
      }
      keys[ns].emplace(id, std::move(k));
    }
  }
  return true;
}

bool Store::load(std::string& error) {
  if (stateFile_.empty()) return true;
  std::ifstream in(stateFile_);
  if (!in) return true;  // no file yet: factory-new
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (fromJsonLocked(j)) return true;
    error = "state file " + stateFile_ + ": a key could not be decoded";
  } catch (const std::exception& e) {
    error = "state file " + stateFile_ + ": " + e.what();
  }
  return false;
}

void Store::persistLocked() const {
  if (stateFile_.empty()) return;
  std::string text = toJsonLocked().dump();
  std::string tmp = stateFile_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  bool ok = off == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (ok) {
    std::rename(tmp.c_str(), stateFile_.c_str());
  } else {
    ::unlink(tmp.c_str());
  }
}

}  // namespace p11nethsm::mock
