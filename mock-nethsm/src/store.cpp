#include "store.hpp"

#include <openssl/evp.h>

namespace p11nethsm::mock {

std::string stateName(HsmState state) {
  switch (state) {
    case HsmState::kUnprovisioned:
      return "Unprovisioned";
    case HsmState::kLocked:
      return "Locked";
    case HsmState::kOperational:
      return "Operational";
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
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), 10000, EVP_sha256(),
                    static_cast<int>(key.size()), key.data());
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

}  // namespace p11nethsm::mock
