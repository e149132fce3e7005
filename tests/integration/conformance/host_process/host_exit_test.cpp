// Issue 9 item 1: a host that calls exit() while 8 of its threads are inside C_Sign,
// from the main thread or from another thread, never C_Finalize. Each run is its own
// process (host_helper.cpp). Every run must end by exit(0), no signal; the time from
// "exiting" to the end of the process is printed. Runs per test from
// P11NETHSM_EXIT_SIGNING_RUNS (default 20; a quarter of that for the stalled
// appliance). Before the exit handler, 11 of 200 runs crashed (SIGSEGV: a signing
// thread inside OpenSSL after OPENSSL_cleanup).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

#include "host_process.hpp"
#include "p11nethsm_test/mock_environment.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::testing {
namespace {

int runsFromEnvironment(int divisor) {
  const char* knob = std::getenv("P11NETHSM_EXIT_SIGNING_RUNS");
  const int runs = knob && std::atoi(knob) > 0 ? std::atoi(knob) : 20;
  return std::max(1, runs / divisor);
}

// `stalled`: the mock holds every sign answer (a stall fault) once the threads are
// signing. Otherwise the threads are busy in TLS and local hashing when exit() comes,
// where the old module crashed most often.
void exitWhileSigning(const std::string& mode, bool stalled, int runs) {
  MockEnvironment env;
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env.generateKey(nethsm::KeyType::kCurve25519, "host-ed"), "host-ed");
  // Stalled: wait until the mock holds 8 more signs, so every thread is inside
  // C_Sign, waiting for an answer, when exit() comes.
  auto stall = [&] {
    if (!stalled) return;
    const uint64_t signs = env.mock().endpointCount(0, "POST /keys/{id}/sign");
    env.mock().addFault(0, mock::FaultRule{mock::FaultKind::kStall, "/keys/.*/sign", -1, 0});
    EXPECT_TRUE(waitUntil(
        [&] { return env.mock().endpointCount(0, "POST /keys/{id}/sign") >= signs + 8; }));
  };
  int crashes = 0, clean = 0;
  std::vector<long> times;
  for (int i = 0; i < runs; ++i) {
    HelperRun run = runHostHelper({mode}, stall);
    env.mock().clearFaults(0);  // releases the mock's workers held by the stall
    ASSERT_GE(run.exitMs, 0) << "run " << i << ": status " << run.status << ", " << run.output;
    times.push_back(run.exitMs);
    if (WIFSIGNALED(run.status)) {
      ++crashes;
      ADD_FAILURE() << "run " << i << ": killed by signal " << WTERMSIG(run.status);
    } else if (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) {
      ++clean;
    } else {
      ADD_FAILURE() << "run " << i << ": exit status " << WEXITSTATUS(run.status);
    }
  }
  std::sort(times.begin(), times.end());
  std::printf(
      "[ measured ] %s while 8 threads sign%s: %d runs, %d clean, %d crashed; "
      "exit took median %ld ms, max %ld ms\n",
      mode.c_str(), stalled ? " (answers stalled)" : "", runs, clean, crashes,
      times[times.size() / 2], times.back());
  EXPECT_EQ(clean, runs);
  // Not a speed target: exit must not wait for the appliance. The module's own bound
  // is 2 s (core/host_exit.hpp); generous here for a loaded CI machine.
  EXPECT_LT(times.back(), 5000);
}

TEST(HostExit, ExitFromMainThreadWhileEightThreadsSign) {
  exitWhileSigning("exit-main", false, runsFromEnvironment(1));
}

TEST(HostExit, ExitFromAnotherThreadWhileTheOthersSign) {
  exitWhileSigning("exit-thread", false, runsFromEnvironment(1));
}

// No answer comes while 8 signs wait for theirs: exit() aborts the transfers (their
// sockets are shut down) instead of waiting for the call timeout or for libcurl's
// 1 s progress tick.
TEST(HostExit, ExitDoesNotWaitForAStalledAppliance) {
  exitWhileSigning("exit-main", true, runsFromEnvironment(4));
}

}  // namespace
}  // namespace p11nethsm::testing
