#include "core/credentials.hpp"

namespace p11nethsm::core {

SlotCredentials::SlotCredentials(const config::SlotConfig& slot)
    : operator_(slot.operatorUser), administrator_(slot.administrator) {}

std::optional<nethsm::BasicAuth> SlotCredentials::credentialsFor(nethsm::Role role) const {
  const bool op = role == nethsm::Role::kOperator;
  const auto& user = op ? operator_ : administrator_;
  {
    std::lock_guard lock(mutex_);
    const auto& login = op ? operatorLogin_ : administratorLogin_;
    if (login) return login;
  }
  if (user && user->password) return nethsm::BasicAuth{user->username, *user->password};
  return std::nullopt;
}

std::optional<std::string> SlotCredentials::username(nethsm::Role role) const {
  const auto& user = role == nethsm::Role::kOperator ? operator_ : administrator_;
  if (user) return user->username;
  return std::nullopt;
}

bool SlotCredentials::hasConfiguredPassword(nethsm::Role role) const {
  const auto& user = role == nethsm::Role::kOperator ? operator_ : administrator_;
  return user && user->password && !user->password->empty();
}

std::string SlotCredentials::readNamespace() const {
  auto reader = credentialsFor(nethsm::Role::kOperator);
  if (!reader) reader = credentialsFor(nethsm::Role::kAdministrator);
  if (!reader) return {};
  const size_t tilde = reader->username.find('~');  // "namespace~user" (NetHSM 2.0+)
  return tilde == std::string::npos ? std::string() : reader->username.substr(0, tilde);
}

void SlotCredentials::setLogin(nethsm::Role role, nethsm::BasicAuth auth) {
  std::lock_guard lock(mutex_);
  (role == nethsm::Role::kOperator ? operatorLogin_ : administratorLogin_) = std::move(auth);
}

void SlotCredentials::clearLogins() {
  std::lock_guard lock(mutex_);
  operatorLogin_.reset();
  administratorLogin_.reset();
}

}  // namespace p11nethsm::core
