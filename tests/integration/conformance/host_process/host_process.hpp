#pragma once
// Runs host_helper.cpp as a process of its own (the host under test) against the
// test's in-process mock, and reports how it ended.
#include <functional>
#include <string>
#include <vector>

namespace p11nethsm::testing {

struct HelperRun {
  int status = -1;     // waitpid status; -1: not started
  std::string output;  // everything it printed
  long exitMs = -1;    // from its "exiting" line to its end
};

// <build>/tests/p11nethsm_host_helper <module> <args...>. When the helper prints
// "signing", `beforeExit` runs and the helper is told to go on.
HelperRun runHostHelper(
    const std::vector<std::string>& args, const std::function<void()>& beforeExit = [] {});

}  // namespace p11nethsm::testing
