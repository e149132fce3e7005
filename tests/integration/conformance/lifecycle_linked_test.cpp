// Lifecycle checks that look inside the module (linked build only): they wait on the
// module's own state instead of on time, so they cannot pass by luck of timing.
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
// inside the module before C_Finalize, so the test cannot pass by finalizing first.
TEST_F(Lifecycle, FinalizeWakesABlockedWaitForSlotEvent) {
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  auto module = core::acquireModule();
  ASSERT_TRUE(module.ok());
  CK_SLOT_ID slot = 99;
  EXPECT_EQ(p_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_NO_EVENT);
  CK_RV waited = CKR_OK;
  std::thread waiter([&] { waited = p_->C_WaitForSlotEvent(0, &slot, nullptr); });
  const bool blocked = testing::waitUntil([&] { return module.value()->slotEventWaiters() == 1; });
  EXPECT_TRUE(blocked);
  EXPECT_EQ(p_->C_Finalize(nullptr), CKR_OK);
  waiter.join();
  EXPECT_EQ(waited, CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(module.value()->slotEventWaiters(), 0u);
}

}  // namespace
}  // namespace p11nethsm::conformance
