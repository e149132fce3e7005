// A 429 after someone's failed login is waited out, never reported as a wrong
// password, and never stops other callers with the same user name (issue 9 §2,
// BEHAVIOUR.md §2 "Rate limiting"). The cluster's clock is injected to see the waits
// (util/clock.hpp): they are spent in the retry loop, inside the request's budget.
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

// Records every wait of the retry loop. `realTime`: the real clock, and waits really
// pass (the appliance's 1 s window must end); otherwise a fake time that only the
// waits move, so the budget is spent by them alone, deterministically.
class RecordingClock final : public Clock {
 public:
  explicit RecordingClock(bool realTime) : realTime_(realTime) {}
  TimePoint now() const override {
    if (realTime_) return std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    return TimePoint(std::chrono::hours(1)) + fake_;
  }
  bool sleepFor(Millis wait) override {
    {
      std::lock_guard lock(mutex_);
      waits_.push_back(wait);
      fake_ += wait;
    }
    if (realTime_) std::this_thread::sleep_for(wait);  // the module's own wait, for real
    return true;
  }
  std::vector<Millis> waits() const {
    std::lock_guard lock(mutex_);
    return waits_;
  }

 private:
  const bool realTime_;
  mutable std::mutex mutex_;
  Millis fake_{0};
  std::vector<Millis> waits_;
};

class ThrottleTest : public ::testing::Test {
 protected:
  // `realSleep`: false makes waits pass in fake time only, so the 1 s window never
  // ends within the budget ((retries.count + 1) × timeout_seconds, count 0 here).
  void start(unsigned timeoutSeconds, bool realSleep) {
    hsm_ = startMock(1);
    ASSERT_NE(hsm_, nullptr);
    config::SlotConfig slot = slotFor(*hsm_);
    slot.timeoutSeconds = timeoutSeconds;
    transport::ClusterOptions options;
    options.threadsAllowed = false;
    clock_ = std::make_shared<RecordingClock>(realSleep);
    options.clock = clock_;
    cluster_ = std::make_unique<transport::Cluster>(slot, options);
    client_ = std::make_unique<nethsm::Client>(*cluster_, credentials_);
  }

  // A wrong password for "operator" from this host: arms the appliance's window.
  void failOneLogin() {
    auto wrong = client_->verifyLogin(Role::kOperator, {"operator", SecretString("wrong-pin")});
    ASSERT_FALSE(wrong.ok());
    ASSERT_EQ(wrong.error().kind, ErrorKind::kUnauthorized);
  }

  Millis totalWait() {
    Millis sum{0};
    for (auto w : clock_->waits()) sum += w;
    return sum;
  }

  size_t waitCount() { return clock_->waits().size(); }

  std::string generateEd() { return generateEdKey(*client_, "throttled-key"); }

  TestCredentials credentials_;
  std::unique_ptr<mock::MockNetHsm> hsm_;
  std::unique_ptr<transport::Cluster> cluster_;
  std::unique_ptr<nethsm::Client> client_;
  std::shared_ptr<RecordingClock> clock_;
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

// A throttle that outlasts the request's budget (timeout_seconds 1, no retries: 1 s)
// ends as kRateLimited (never kUnauthorized), with the waits inside the budget.
TEST_F(ThrottleTest, GivesUpWithinTheCallTimeout) {
  start(1, false);
  hsm_->addFault(0, {mock::FaultKind::kFailStatus, "/users/operator", -1, 429});
  transport::BasicAuth right{"operator", SecretString(kOperatorPassword)};
  auto verified = client_->verifyLogin(Role::kOperator, right);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(verified.error().httpStatus, 429);
  // 100 + 150 + 2 x 250: the next 250 ms step would leave no time for the request.
  EXPECT_EQ(totalWait(), Millis(750));
  EXPECT_EQ(waitCount(), 4u);
  EXPECT_EQ(hsm_->endpointCount(0, "GET /users/{id}"), 5u);
}

}  // namespace
}  // namespace p11nethsm::testing
