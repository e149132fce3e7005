// Health bookkeeping of one instance: the re-probe backoff 1, 1, 2, 5, 10, 60, 300 s
// (issue 4 §4) and the working-probe interval.
#include "transport/instance_health.hpp"

#include <gtest/gtest.h>

namespace p11nethsm::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = InstanceHealthTracker::Clock;

class InstanceHealthTest : public ::testing::Test {
 protected:
  std::vector<milliseconds> backoff_ = ClusterOptions::defaultProbeBackoff();
  InstanceHealthTracker tracker_{backoff_, seconds(30)};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(InstanceHealthTest, DefaultBackoffIsTheDocumentedSchedule) {
  std::vector<milliseconds> expected{seconds(1),  seconds(1),  seconds(2),  seconds(5),
                                     seconds(10), seconds(60), seconds(300)};
  EXPECT_EQ(backoff_, expected);
}

// No probe right after C_Initialize (issue 9 item 0): the first one of an instance
// nobody has used yet is due one working interval after the tracker was made.
TEST_F(InstanceHealthTest, UnknownInstanceIsFirstProbedAfterTheWorkingInterval) {
  EXPECT_EQ(tracker_.state(), InstanceHealth::kUnknown);
  EXPECT_FALSE(tracker_.probeDue(t0_));
  EXPECT_FALSE(tracker_.probeDue(t0_ + seconds(29)));
  EXPECT_TRUE(tracker_.probeDue(t0_ + seconds(31)));
}

TEST_F(InstanceHealthTest, FailedProbesFollowTheBackoffAndTheLastValueRepeats) {
  EXPECT_TRUE(tracker_.recordFailure(t0_, false));
  EXPECT_EQ(tracker_.state(), InstanceHealth::kFailed);
  std::vector<long> waits;
  auto now = t0_;
  for (int i = 0; i < 9; ++i) {
    const auto due = tracker_.nextProbe();
    waits.push_back(std::chrono::duration_cast<seconds>(due - now).count());
    EXPECT_FALSE(tracker_.probeDue(due - milliseconds(1)));
    EXPECT_TRUE(tracker_.probeDue(due));
    now = due;
    EXPECT_FALSE(tracker_.recordFailure(now, true));  // still failed: not a new departure
  }
  EXPECT_EQ(waits, (std::vector<long>{1, 1, 2, 5, 10, 60, 300, 300, 300}));
}

TEST_F(InstanceHealthTest, RequestFailuresDoNotStretchTheBackoff) {
  tracker_.recordFailure(t0_, false);
  const auto due = tracker_.nextProbe();
  tracker_.recordFailure(t0_ + milliseconds(10), false);
  EXPECT_EQ(tracker_.nextProbe(), due);
  EXPECT_EQ(tracker_.currentBackoff(), seconds(1));
}

TEST_F(InstanceHealthTest, SuccessBringsItBackAndResetsTheBackoff) {
  tracker_.recordFailure(t0_, false);
  tracker_.recordFailure(t0_ + seconds(1), true);
  tracker_.recordFailure(t0_ + seconds(2), true);
  EXPECT_EQ(tracker_.currentBackoff(), seconds(2));
  EXPECT_TRUE(tracker_.recordSuccess(t0_ + seconds(4)));
  EXPECT_EQ(tracker_.state(), InstanceHealth::kWorking);
  EXPECT_FALSE(tracker_.recordSuccess(t0_ + seconds(5)));
  tracker_.recordFailure(t0_ + seconds(6), false);
  EXPECT_EQ(tracker_.nextProbe(), t0_ + seconds(7));
}

TEST_F(InstanceHealthTest, WorkingInstanceIsProbedAfterTheIntervalWithoutTraffic) {
  tracker_.recordSuccess(t0_);
  EXPECT_FALSE(tracker_.probeDue(t0_ + seconds(29)));
  EXPECT_TRUE(tracker_.probeDue(t0_ + seconds(30)));
  tracker_.recordSuccess(t0_ + seconds(20));  // traffic postpones the probe
  EXPECT_FALSE(tracker_.probeDue(t0_ + seconds(30)));
  EXPECT_TRUE(tracker_.probeDue(t0_ + seconds(50)));
}

TEST_F(InstanceHealthTest, AProbeInFlightIsNotDueTwice) {
  tracker_.recordFailure(t0_, false);
  const auto due = tracker_.nextProbe();
  tracker_.setProbing(true);
  EXPECT_FALSE(tracker_.probeDue(due));
  tracker_.setProbing(false);
  EXPECT_TRUE(tracker_.probeDue(due));
}

}  // namespace
}  // namespace p11nethsm::transport
