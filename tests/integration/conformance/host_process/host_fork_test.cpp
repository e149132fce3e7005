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

// clang 14's AddressSanitizer runtime does not lock its allocator around fork(): a
// child forked while another thread is inside malloc can inherit that lock and hang
// in the runtime before it reaches the module (1 child in 100 on the CI machine; the
// release build had 1,000 of 1,000). LLVM 15 locks it. The fork test therefore runs in
// the release build here and in the ThreadSanitizer build (tests/conformance).
#if defined(__clang__) && __clang_major__ < 15 && defined(__has_feature)
#if __has_feature(address_sanitizer)
#define P11NETHSM_FORK_UNSAFE_SANITIZER 1
#endif
#endif

namespace p11nethsm::testing {
namespace {

TEST(HostFork, ForksWhileEightThreadsSign) {
#ifdef P11NETHSM_FORK_UNSAFE_SANITIZER
  GTEST_SKIP() << "clang < 15 ASan runtime is not fork-safe with allocating threads";
#endif
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
