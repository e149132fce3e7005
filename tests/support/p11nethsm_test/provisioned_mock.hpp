#pragma once
// The one "start a mock, provision it, add the operator" of the test suites, with one
// set of passphrases. Tests state only what differs (instances, firmware, unprovisioned).
#include <memory>
#include <optional>
#include <string>

#include "mock_nethsm/mock.hpp"
#include "nethsm/client.hpp"

namespace p11nethsm::testing {

inline constexpr const char* kAdminPassword = "adminPassphrase";
inline constexpr const char* kOperatorPassword = "opPassphrase";
inline constexpr const char* kUnlockPassphrase = "unlockPassphrase";

// An in-process mock with `options`; `provisioned`: POST /provision (kAdminPassword,
// kUnlockPassphrase) and the Operator "operator" (kOperatorPassword). nullptr when it
// does not start (MockNetHsm::start has waited until every instance listens).
std::unique_ptr<mock::MockNetHsm> startProvisionedMock(mock::MockOptions options = {},
                                                       bool provisioned = true);

// One slot reaching every instance of `hsm`, each pinned to its certificate.
config::SlotConfig pinnedSlotFor(const mock::MockNetHsm& hsm, const std::string& label = "test");

// Credentials per role, changeable by the test (like C_Login / C_Logout would).
class TestCredentials : public nethsm::CredentialSource {
 public:
  std::optional<transport::BasicAuth> credentialsFor(nethsm::Role role) const override {
    return role == nethsm::Role::kOperator ? operator_ : admin_;
  }
  std::optional<transport::BasicAuth> operator_ =
      transport::BasicAuth{"operator", SecretString(kOperatorPassword)};
  std::optional<transport::BasicAuth> admin_ =
      transport::BasicAuth{"admin", SecretString(kAdminPassword)};
};

}  // namespace p11nethsm::testing
