// Issue 5 acceptance: a slot with 10,000 keys on the mock. Finding one key by CKA_ID
// sends at most 2 requests; a full listing completes (its speed is the benchmark's).
// Key count from P11NETHSM_MANY_KEYS (default 10000).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

size_t keyCount() { return static_cast<size_t>(envNumber("P11NETHSM_MANY_KEYS", 10000)); }

std::string keyId(size_t i) { return "many" + std::to_string(i); }

TEST(ManyKeys, FindByIdSendsAtMostTwoRequestsAndListingCompletes) {
  testing::MockEnvironment env;
  ASSERT_TRUE(env.ok());
  const size_t n = keyCount();
  std::atomic<size_t> next{0}, failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++)
        if (env.generateKey(nethsm::KeyType::kCurve25519, keyId(i)).empty()) failed++;
    });
  }
  for (auto& w : workers) w.join();
  ASSERT_EQ(failed.load(), 0u);

  CK_FUNCTION_LIST_PTR p = batteryFunctions();
  const CK_SESSION_HANDLE s = initializeAndOpen(p, env);
  ASSERT_NE(s, CK_INVALID_HANDLE);
  auto& mock = env.mock();
  std::string id = keyId(n / 2);
  CK_ATTRIBUTE t[] = {{CKA_ID, id.data(), id.size()}};
  ASSERT_EQ(p->C_FindObjectsInit(s, t, 1), CKR_OK);
  CK_OBJECT_HANDLE found[4];
  CK_ULONG count = 0;
  ASSERT_EQ(p->C_FindObjects(s, found, 4, &count), CKR_OK);
  ASSERT_EQ(p->C_FindObjectsFinal(s), CKR_OK);
  EXPECT_EQ(count, 2u);
  uint64_t sent = mock.counters(0).requests - mock.endpointCount(0, "GET /health/ready");
  EXPECT_LE(sent, 2u);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys"), 0u);

  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(p->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
  std::vector<CK_OBJECT_HANDLE> all(2 * n + 10);
  ASSERT_EQ(p->C_FindObjects(s, all.data(), all.size(), &count), CKR_OK);
  ASSERT_EQ(p->C_FindObjectsFinal(s), CKR_OK);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_EQ(count, 2 * n);
  std::printf("many keys: %zu keys, find by ID %llu request(s), full listing %lld ms\n", n,
              static_cast<unsigned long long>(sent), static_cast<long long>(ms));
  EXPECT_EQ(p->C_Finalize(nullptr), CKR_OK);
}

}  // namespace
}  // namespace p11nethsm::conformance
