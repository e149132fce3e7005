// Issue 12 item 5: fork() while 8 threads sign, in a host process of its own
// (host_helper.cpp; nothing else in it uses OpenSSL). Each child checks that the
// parent's state is gone, works after its own C_Initialize (signs; the signature
// verifies with the public key it reads) and ends; the parent's signing threads
// verify every signature and see no failure. Forks from P11NETHSM_FORKS (default
// 100; the acceptance run is 1,000).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "host_process.hpp"
#include "p11nethsm_test/mock_environment.hpp"

namespace p11nethsm::testing {
namespace {

TEST(HostFork, ForksWhileEightThreadsSign) {
  MockEnvironment env;
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env.generateKey(nethsm::KeyType::kCurve25519, "host-ed"), "host-ed");
  const char* knob = std::getenv("P11NETHSM_FORKS");
  const long forks = knob && std::atol(knob) > 0 ? std::atol(knob) : 100;
  HelperRun run = runHostHelper({"fork", std::to_string(forks)});
  std::printf("[ measured ] %s", run.output.c_str());
  ASSERT_TRUE(WIFEXITED(run.status)) << "status " << run.status;
  EXPECT_EQ(WEXITSTATUS(run.status), 0) << run.output;
  EXPECT_NE(run.output.find("children ok " + std::to_string(forks) + ","), std::string::npos);
}

}  // namespace
}  // namespace p11nethsm::testing
