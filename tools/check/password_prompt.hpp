#pragma once
// Asks for a password on the controlling terminal without echo (termios), for users
// whose password is not in the configuration (the module asks for it in C_Login).
#include <optional>
#include <string>

#include "util/secret.hpp"

namespace p11nethsm::check {

// nullopt when there is no terminal (scripts, CI) or the answer is empty.
std::optional<SecretString> askPassword(const std::string& prompt);

}  // namespace p11nethsm::check
