// A 429 after someone's failed login is waited out, never reported as a wrong
// password, and never stops other callers with the same user name (issue 9 §2,
// BEHAVIOUR.md §2 "Rate limiting"). The sleeper is injected to see the waits.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "integration/cluster/mock_cluster.hpp"

namespace p11nethsm::testing {
namespace {

using nethsm::Role;
using Millis = std::chrono::milliseconds;

class ThrottleTest : public ::testing::Test {
 protected:
  // `realSleep`: false makes waits return at once, so the 1 s window never ends
  // within the budget (timeout_seconds).
  void start(unsigned timeoutSeconds, bool realSleep) {
    hsm_ = startMock(1);
    ASSERT_NE(hsm_, nullptr);
    config::SlotConfig slot = slotFor(*hsm_);
    slot.timeoutSeconds = timeoutSeconds;
    transport::ClusterOptions options;
    options.threadsAllowed = false;
    cluster_ = std::make_unique<transport::Cluster>(slot, options);
    nethsm::ThrottleOptions throttle;
    throttle.sleep = [this, realSleep](Millis wait) {
      {
        std::lock_guard lock(mutex_);
        waits_.push_back(wait);
      }
      if (realSleep) std::this_thread::sleep_for(wait);  // the retry delay under test
    };
    client_ = std::make_unique<nethsm::Client>(*cluster_, credentials_, throttle);
  }

  // A wrong password for "operator" from this host: arms the appliance's window.
  void failOneLogin() {
    auto wrong = client_->verifyLogin(Role::kOperator, {"operator", SecretString("wrong-pin")});
    ASSERT_FALSE(wrong.ok());
    ASSERT_EQ(wrong.error().kind, ErrorKind::kUnauthorized);
  }

  Millis totalWait() {
    std::lock_guard lock(mutex_);
    Millis sum{0};
    for (auto w : waits_) sum += w;
    return sum;
  }

  size_t waitCount() {
    std::lock_guard lock(mutex_);
    return waits_.size();
  }

  std::string generateEd() { return generateEdKey(*client_, "throttled-key"); }

  TestCredentials credentials_;
  std::unique_ptr<mock::MockNetHsm> hsm_;
  std::unique_ptr<transport::Cluster> cluster_;
  std::unique_ptr<nethsm::Client> client_;
  std::mutex mutex_;
  std::vector<Millis> waits_;
};

TEST(ThrottleWait, StepsAndRetryAfter) {
  EXPECT_EQ(nethsm::throttleWait(0, ""), Millis(100));
  EXPECT_EQ(nethsm::throttleWait(1, ""), Millis(150));
  EXPECT_EQ(nethsm::throttleWait(2, ""), Millis(250));
  EXPECT_EQ(nethsm::throttleWait(9, ""), Millis(250));
  EXPECT_EQ(nethsm::throttleWait(0, "2"), Millis(2000));
  EXPECT_EQ(nethsm::throttleWait(3, "0"), Millis(100));
  // An HTTP-date or garbage falls back to the steps.
  EXPECT_EQ(nethsm::throttleWait(0, "Wed, 21 Oct 2015 07:28:00 GMT"), Millis(100));
  EXPECT_EQ(nethsm::throttleWait(1, "-1"), Millis(150));
}

TEST_F(ThrottleTest, RightPasswordAfterAWrongOneIsAccepted) {
  start(5, true);
  failOneLogin();
  transport::BasicAuth right{"operator", SecretString(kOperatorPassword)};
  auto verified = client_->verifyLogin(Role::kOperator, right);
  EXPECT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_GE(waitCount(), 1u);  // it was throttled, and waited
  EXPECT_LE(totalWait(), Millis(1500));
}

TEST_F(ThrottleTest, SignaturesRideThroughTheWindow) {
  start(5, true);
  const std::string id = generateEd();
  ASSERT_FALSE(id.empty());
  failOneLogin();
  auto sig = client_->sign(id, nethsm::SignMode::kEdDsa, toBytes("during the window"));
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_GE(waitCount(), 1u);
}

// The appliance's own window: a key generation throttled after a failed
// administrator login is sent again once it is over, and made exactly once.
TEST_F(ThrottleTest, KeyGenerationIsSentAgainAfterTheWindow) {
  start(5, true);
  auto wrong = client_->verifyLogin(Role::kAdministrator, {"admin", SecretString("wrong")});
  ASSERT_FALSE(wrong.ok());
  const std::string id = generateEd();
  EXPECT_EQ(id, "throttled-key");
  EXPECT_GE(waitCount(), 1u);
  EXPECT_EQ(hsm_->endpointCount(0, "POST /keys/generate"), waitCount() + 1);
  auto keys = client_->listKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);
}

// 429 is answered before processing (here injected: exactly two), so even a key
// generation is sent again, once per 429, and the key exists once.
TEST_F(ThrottleTest, EachThrottledGenerationIsSentOnceMore) {
  start(5, false);
  hsm_->addFault(0, {mock::FaultKind::kFailStatus, "/keys/generate", 2, 429});
  EXPECT_EQ(generateEd(), "throttled-key");
  EXPECT_EQ(waitCount(), 2u);
  EXPECT_EQ(totalWait(), Millis(250));  // 100 + 150 ms
  EXPECT_EQ(hsm_->endpointCount(0, "POST /keys/generate"), 3u);
  EXPECT_EQ(client_->listKeys()->size(), 1u);
}

// A throttle that outlasts timeout_seconds ends as kRateLimited (never
// kUnauthorized), with the waits inside the budget.
TEST_F(ThrottleTest, GivesUpWithinTheCallTimeout) {
  start(1, false);
  hsm_->addFault(0, {mock::FaultKind::kFailStatus, "/users/operator", -1, 429});
  transport::BasicAuth right{"operator", SecretString(kOperatorPassword)};
  auto verified = client_->verifyLogin(Role::kOperator, right);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(verified.error().httpStatus, 429);
  EXPECT_EQ(totalWait(), Millis(1000));  // 100 + 150 + 3 x 250: the next step would exceed 1 s
  EXPECT_EQ(waitCount(), 5u);
  EXPECT_EQ(hsm_->endpointCount(0, "GET /users/{id}"), 6u);
}

}  // namespace
}  // namespace p11nethsm::testing
