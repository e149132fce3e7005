// Sign/s the mock serves (issue 3 §6). Disabled by default: a benchmark that prints
// numbers, not a timed assertion. Run:
//   test_mock_integration --gtest_also_run_disabled_tests --gtest_filter='*SignThroughput*'
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "mock_client.hpp"

namespace p11nethsm::mock::testing {
namespace {

double signsPerSecond(MockNetHsm& mock, const std::string& key, const std::string& mode,
                      size_t inputLen, int threads, std::chrono::seconds duration) {
  std::atomic<uint64_t> done{0}, failed{0};
  nlohmann::json body{{"mode", mode}, {"message", base64Encode(Bytes(inputLen, 5))}};
  auto until = std::chrono::steady_clock::now() + duration;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      Client c(mock);
      c.op();
      while (std::chrono::steady_clock::now() < until) {
        (c.post("/keys/" + key + "/sign", body).status == 200 ? done : failed)++;
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(failed.load(), 0u);
  return static_cast<double>(done.load()) / static_cast<double>(duration.count());
}

TEST(MockBench, DISABLED_SignThroughput) {
  MockOptions o;
  o.workerThreads = 16;
  auto mock = startMock(o);
  ASSERT_TRUE(mock);
  Client admin(*mock);
  admin.admin().post("/keys/generate",
                     {{"type", "Curve25519"}, {"mechanisms", {"EdDSA_Signature"}}, {"id", "ed"}});
  admin.post("/keys/generate",
             {{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}, {"id", "p256"}});
  for (int threads : {1, 8}) {
    double ed = signsPerSecond(*mock, "ed", "EdDSA", 32, threads, std::chrono::seconds(3));
    double p256 = signsPerSecond(*mock, "p256", "ECDSA", 32, threads, std::chrono::seconds(3));
    std::cout << "clients=" << threads << " Ed25519 sign/s=" << static_cast<long>(ed)
              << " P-256 sign/s=" << static_cast<long>(p256) << std::endl;
  }
}

}  // namespace
}  // namespace p11nethsm::mock::testing
