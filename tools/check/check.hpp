#pragma once
// p11nethsm-check: the configuration as the module reads it, then every slot and
// instance checked over the network (issue 13 §2). Returns the exit status.
namespace p11nethsm::check {

struct CheckOptions {
  bool askPasswords = true;  // prompt on the terminal for passwords not in the file
};

int runCheck(const CheckOptions& options);

}  // namespace p11nethsm::check
