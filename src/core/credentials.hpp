#pragma once
// A slot's credentials (seed 004 "Users", "Passwords"): passwords from the
// configuration, replaced by those given to C_Login / C_LoginUser until C_Logout.
// The NetHSM client asks for them per request; thread-safe.
#include <mutex>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "nethsm/client.hpp"

namespace p11nethsm::core {

class SlotCredentials : public nethsm::CredentialSource {
 public:
  explicit SlotCredentials(const config::SlotConfig& slot);

  std::optional<nethsm::BasicAuth> credentialsFor(nethsm::Role role) const override;

  // The user name C_Login uses for the role; nullopt when none is configured.
  std::optional<std::string> username(nethsm::Role role) const;
  // The configuration gives a password for the role.
  bool hasConfiguredPassword(nethsm::Role role) const;

  // The namespace of the user whose credentials read keys (Operator, else
  // Administrator, as nethsm::Client picks them): "ns1" for "ns1~operator", "" for
  // root. It decides which keys the appliance shows.
  std::string readNamespace() const;

  void setLogin(nethsm::Role role, nethsm::BasicAuth auth);
  void clearLogins();

 private:
  // The configured users never change after construction: read without the lock.
  const std::optional<config::UserConfig> operator_;
  const std::optional<config::UserConfig> administrator_;
  mutable std::mutex mutex_;  // guards the logins
  std::optional<nethsm::BasicAuth> operatorLogin_;
  std::optional<nethsm::BasicAuth> administratorLogin_;
};

}  // namespace p11nethsm::core
