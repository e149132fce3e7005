#pragma once
// One instance of a slot, checked through the module's own transport and NetHSM
// client (same TLS policy, timeouts and endpoints): reachable, TLS fingerprint and CA
// result, appliance state, product and firmware, each configured user's login, the
// number of keys (issue 13 §2).
#include <optional>
#include <string>
#include <vector>

#include "check/report.hpp"
#include "config/config.hpp"
#include "nethsm/types.hpp"
#include "util/secret.hpp"

namespace p11nethsm::check {

// A configured user and the password to try (from the file, env: or the terminal).
struct UserToCheck {
  nethsm::Role role = nethsm::Role::kOperator;
  std::string username;
  std::optional<SecretString> password;  // none: not checked
  std::string fixWrongPassword;          // what to change when it is refused
};

struct SlotContext {
  const config::SlotConfig& slot;
  size_t slotIndex = 0;
  std::vector<UserToCheck> users;
};

// True when the module could use this instance: reachable, TLS accepted by the
// configured policy, Operational, and no configured password refused.
bool checkInstance(const SlotContext& context, size_t instanceIndex, Report& report);

}  // namespace p11nethsm::check
