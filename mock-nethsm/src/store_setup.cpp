// Test set-up of a Store without HTTP (MockNetHsm and InProcessNetHsm provision and
// addUser): what POST /provision and PUT /users/{id} leave behind.
#include "store.hpp"

namespace p11nethsm::mock {

void Store::provision(const std::string& adminPassphrase, const std::string& unlockPassphrase) {
  std::lock_guard<std::mutex> lock(mutex_);
  setUnlockPassphrase(unlockPassphrase);
  User admin{"admin", "Administrator", "", "", {}};
  setUserPassphrase(admin, adminPassphrase);
  users["admin"] = admin;
  state = HsmState::kOperational;
  persistAllLocked();
}

void Store::addUser(const std::string& userId, const std::string& role,
                    const std::string& passphrase) {
  std::lock_guard<std::mutex> lock(mutex_);
  User u{userId, role, "", "", {}};
  setUserPassphrase(u, passphrase);
  users[userId] = u;
  auto name = splitUserName(userId);
  if (name && !name->ns.empty()) namespaces.insert(name->ns);
  persistLocked(Changes().user(userId).withSettings());
}

}  // namespace p11nethsm::mock
