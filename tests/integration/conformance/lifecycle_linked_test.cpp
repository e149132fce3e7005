// Lifecycle checks that look inside the module (linked build only): they wait on the
// module's own state instead of on time, so they cannot pass by luck of timing.
#include <atomic>
#include <memory>
#include <thread>

#include "battery.hpp"
#include "core/module.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::conformance {
namespace {

// Issue 9 item 0: C_Initialize and its background thread send nothing. The check
// runs once every health thread has gone to sleep; the old schedule probed an
// unknown instance at once, before that first sleep.
TEST_F(Lifecycle, InitializeSendsNothingEvenFromItsThread) {
  env_->mock().resetCounters();
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  auto module = core::acquireModule();
  ASSERT_TRUE(module.ok());
  for (const auto& slot : module.value()->slots()) {
    ASSERT_TRUE(testing::waitUntil([&] { return slot->connection().stats().healthWaits >= 1; }));
    EXPECT_EQ(slot->connection().stats().probes, 0u);
  }
  EXPECT_EQ(env_->mock().counters(0).tcpConnections, 0u);
  EXPECT_EQ(env_->mock().counters(0).requests, 0u);
}

// PKCS#11 v2.40 §5.4: C_Finalize while another thread blocks in C_WaitForSlotEvent
// makes that call return CKR_CRYPTOKI_NOT_INITIALIZED. The waiter is seen blocking
// inside the module before C_Finalize, so the test cannot pass by finalizing first;
// and its return is awaited with a bound, so a C_Finalize that does not wake it fails
// the test (with a message) instead of hanging it in join().
TEST_F(Lifecycle, FinalizeWakesABlockedWaitForSlotEvent) {
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  auto module = core::acquireModule();
  ASSERT_TRUE(module.ok());
  CK_SLOT_ID none = 99;
  EXPECT_EQ(p_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &none, nullptr), CKR_NO_EVENT);
  struct Waiter {  // shared: outlives the test if the call never returns
    CK_SLOT_ID slot = 99;
    std::atomic<CK_RV> rv{CKR_OK};
    std::atomic<bool> returned{false};
  };
  auto w = std::make_shared<Waiter>();
  std::thread waiter([w, p = p_] {
    w->rv = p->C_WaitForSlotEvent(0, &w->slot, nullptr);
    w->returned = true;
  });
  ASSERT_TRUE(testing::waitUntil([&] { return module.value()->slotEventWaiters() == 1; }))
      << "the waiter never blocked inside the module";
  EXPECT_FALSE(w->returned.load());
  EXPECT_EQ(p_->C_Finalize(nullptr), CKR_OK);
  if (!testing::waitUntil([&] { return w->returned.load(); })) {
    waiter.detach();
    FAIL() << "C_WaitForSlotEvent still blocked 10 s after C_Finalize";
  }
  waiter.join();
  EXPECT_EQ(w->rv.load(), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(module.value()->slotEventWaiters(), 0u);
}

}  // namespace
}  // namespace p11nethsm::conformance
