// One deadline per PKCS#11 call (util/call_deadline.hpp): set by the first request,
// moved on by answers, joined by nested calls and by threads working for the call.
#include "util/call_deadline.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace p11nethsm {
namespace {

using namespace std::chrono_literals;
using Clock = CallState::Clock;

TEST(CallDeadline, FirstRequestStartsItLaterOnesShareIt) {
  CallState call;
  const auto t0 = Clock::time_point(100s);  // times come from the caller's clock
  const auto first = call.begin(t0, 2s);
  EXPECT_EQ(first, t0 + 2s);
  EXPECT_EQ(call.begin(t0 + 1s, 10s), first) << "a later request does not restart the clock";
  EXPECT_EQ(call.deadline(), first);
}

TEST(CallDeadline, AnAnswerMovesItToAtLeastNowPlusTheBound) {
  CallState call;
  const auto t0 = Clock::time_point(100s);
  const auto first = call.begin(t0, 1s);
  call.answered(t0 + 500ms, 5s);
  EXPECT_EQ(call.deadline(), t0 + 5500ms);
  call.answered(t0 + 600ms, 1s);  // never earlier
  EXPECT_EQ(call.deadline(), t0 + 5500ms);
  EXPECT_GT(call.deadline(), first);
  CallState unstarted;
  unstarted.answered(t0, 5s);
  EXPECT_EQ(unstarted.deadline(), Clock::time_point()) << "an answer does not start it";
}

TEST(CallScope, NestedScopesJoinTheOuterCallAndWorkersAdoptIt) {
  EXPECT_EQ(CallScope::current(), nullptr);
  {
    CallScope outer;
    CallState* call = CallScope::current();
    ASSERT_NE(call, nullptr);
    {
      CallScope inner;
      EXPECT_EQ(CallScope::current(), call);
    }
    EXPECT_EQ(CallScope::current(), call);
    CallState* seen = nullptr;
    std::thread worker([&] {
      CallScope::Adopt adopt(call);
      seen = CallScope::current();
    });
    worker.join();
    EXPECT_EQ(seen, call);
  }
  EXPECT_EQ(CallScope::current(), nullptr);
}

}  // namespace
}  // namespace p11nethsm
