// Issue 5 acceptance: 16 threads mixing C_FindObjects, C_GetAttributeValue, C_Sign,
// C_OpenSession and C_CloseSession. Duration from P11NETHSM_STRESS_SECONDS (default 5;
// the lead runs 60 under ThreadSanitizer). No call may fail. Also: closing a session
// while another thread signs does not wait for the network.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "battery.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::conformance {
namespace {

int stressSeconds() { return static_cast<int>(envNumber("P11NETHSM_STRESS_SECONDS", 5)); }

struct Counters {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<CK_RV> firstFailure{CKR_OK};
};

void check(Counters& c, CK_RV rv) {
  c.calls++;
  if (rv != CKR_OK) {
    CK_RV expected = CKR_OK;
    c.firstFailure.compare_exchange_strong(expected, rv);
    c.failures++;
  }
}

// One iteration: open, find by ID, read attributes, sign, sometimes a full
// listing, close.
void iteration(CK_FUNCTION_LIST_PTR p, Counters& c, unsigned n) {
  static const char* kIds[] = {kP256Id, kEdId, kRsaId};
  std::string id = kIds[n % 3];
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  check(c, p->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  check(c, p->C_FindObjectsInit(s, t, n % 7 == 0 ? 0 : 2));
  CK_OBJECT_HANDLE found[32];
  CK_ULONG count = 0;
  check(c, p->C_FindObjects(s, found, 32, &count));
  check(c, p->C_FindObjectsFinal(s));
  if (count == 0) check(c, CKR_GENERAL_ERROR);
  CK_OBJECT_HANDLE key = found[0];
  CK_BYTE buf[600];
  CK_ATTRIBUTE a[] = {{CKA_CLASS, nullptr, 0}, {CKA_LABEL, nullptr, 0}};
  check(c, p->C_GetAttributeValue(s, key, a, 2));
  if (n % 7 != 0) {  // a full listing may find any class first; sign private keys only
    CK_ULONG keyType = 0;
    CK_ATTRIBUTE kt{CKA_KEY_TYPE, &keyType, sizeof keyType};
    check(c, p->C_GetAttributeValue(s, key, &kt, 1));
    CK_MECHANISM m{keyType == CKK_RSA  ? CKM_SHA256_RSA_PKCS
                   : keyType == CKK_EC ? CKM_ECDSA_SHA256
                                       : CKM_EDDSA,
                   nullptr, 0};
    check(c, p->C_SignInit(s, &m, key));
    CK_BYTE data[] = "stress";
    CK_ULONG len = sizeof buf;
    check(c, p->C_Sign(s, data, sizeof data, buf, &len));
  }
  check(c, p->C_CloseSession(s));
}

TEST_F(Battery, SixteenThreadsMixedCallsNeverFail) {
  Counters c;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(stressSeconds());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned n = t; std::chrono::steady_clock::now() < until; n += 16) iteration(p_, c, n);
    });
  }
  for (auto& t : threads) t.join();
  std::printf("stress: %llu calls in %d s, %llu failed (first rv 0x%lx)\n",
              static_cast<unsigned long long>(c.calls.load()), stressSeconds(),
              static_cast<unsigned long long>(c.failures.load()), c.firstFailure.load());
  EXPECT_EQ(c.failures.load(), 0u) << "first failure rv 0x" << std::hex << c.firstFailure.load();
  EXPECT_GT(c.calls.load(), 100u);
}

TEST_F(Battery, ClosingASessionDoesNotWaitForAnotherThreadsSign) {
  CK_SESSION_HANDLE signer = open(), other = open();
  CK_OBJECT_HANDLE key = findKey(signer, CKO_PRIVATE_KEY, kEdId);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  env_->mock().setLatency(0, std::chrono::milliseconds(1500));
  std::atomic<bool> done{false};
  const uint64_t signs = env_->mock().endpointCount(0, "POST /keys/{id}/sign");
  std::thread t([&] {
    sign(signer, key, CKM_EDDSA, toBytes("slow"));
    done = true;
  });
  // The sign is in flight: the mock has it and holds it for 1.5 s.
  EXPECT_TRUE(testing::waitUntil(
      [&] { return env_->mock().endpointCount(0, "POST /keys/{id}/sign") > signs; }));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p_->C_CloseSession(other), CKR_OK);
  EXPECT_EQ(p_->C_CloseSession(signer), CKR_OK);  // even the signing session itself
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(done.load());
  EXPECT_LT(took, std::chrono::milliseconds(500));  // generous; the request takes 1.5 s
  t.join();
  env_->mock().setLatency(0, std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace p11nethsm::conformance
