// The one retry loop (transport/retry_loop.cpp) in fake time: its worst case is
// (retries.count + 1) × timeout_seconds + retries.count × delay_seconds whatever the
// instances do (stalls, 5xx, 429, lost answers), at most retries.count + 1 failed
// attempts per request, 429s waited out inside the same budget, and a kUnsafe request
// sent again only when its check says it did not take effect (docs/transport.md
// "Worst-case time of one call"). No test sleeps; each runs in milliseconds.
#include <gtest/gtest.h>

#include <random>

#include "transport/cluster.hpp"
#include "unit/transport/scripted_exchanger.hpp"

namespace p11nethsm::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using transport::Idempotency;
using transport::Request;

// A throttle policy like nethsm's (a fixed 200 ms step here; Retry-After honoured).
std::optional<milliseconds> laterOn429(const transport::Response& answer, unsigned) {
  if (answer.status != 429) return std::nullopt;
  const int after = answer.retryAfter.empty() ? 0 : std::stoi(answer.retryAfter);
  return after > 0 ? milliseconds(seconds(after)) : milliseconds(200);
}

config::SlotConfig slotOf(size_t instances, unsigned count, unsigned delay, unsigned timeout) {
  config::SlotConfig slot;
  slot.label = "fake";
  for (size_t i = 0; i < instances; ++i) {
    config::InstanceConfig instance;
    instance.url = "https://hsm" + std::to_string(i) + ".invalid/api/v1";
    slot.instances.push_back(instance);
  }
  slot.retries = {count, delay};
  slot.timeoutSeconds = timeout;
  slot.connectTimeoutSeconds = timeout;
  return slot;
}

milliseconds boundOf(const config::SlotConfig& slot) {
  return seconds(slot.timeoutSeconds) * (slot.retries.count + 1) +
         seconds(slot.retries.delaySeconds) * slot.retries.count;
}

struct Rig {
  Rig(config::SlotConfig s, ScriptedExchanger::Script script)
      : slot(std::move(s)),
        clock(std::make_shared<FakeClock>()),
        exchanger(std::make_shared<ScriptedExchanger>(clock, std::move(script))),
        cluster(slot, options(clock, exchanger)) {}

  static transport::ClusterOptions options(std::shared_ptr<FakeClock> clock,
                                           std::shared_ptr<ScriptedExchanger> exchanger) {
    transport::ClusterOptions o;
    o.threadsAllowed = false;  // no thread; no instance is due for an inline probe
    o.clock = std::move(clock);
    o.exchanger = std::move(exchanger);
    return o;
  }

  config::SlotConfig slot;
  std::shared_ptr<FakeClock> clock;
  std::shared_ptr<ScriptedExchanger> exchanger;
  transport::Cluster cluster;
};

Request safeGet() {
  Request r;
  r.path = "/keys";
  r.retryLater = laterOn429;
  return r;
}

Request unsafePost() {
  Request r;
  r.method = transport::Method::kPost;
  r.path = "/keys/generate";
  r.idempotency = Idempotency::kUnsafe;
  r.retryLater = laterOn429;
  return r;
}

TEST(RetryLoop, StallsEverywhereTakeExactlyTheBound) {
  Rig rig(slotOf(2, 3, 1, 10), inOrder({Step::stall()}));
  auto r = rig.cluster.send(safeGet());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(rig.clock->elapsed(), seconds(43));  // 4 × 10 s + 3 × 1 s, the documented bound
  EXPECT_EQ(rig.exchanger->seen().size(), 4u);   // retries.count + 1
  EXPECT_EQ(rig.clock->sleeps(), (std::vector<milliseconds>{seconds(1), seconds(1), seconds(1)}));
  EXPECT_EQ(rig.cluster.stats().retries, 3u);
  const auto seen = rig.exchanger->seen();
  EXPECT_NE(seen[0].instance, seen[1].instance) << "a retry avoids the failed instance";
}

TEST(RetryLoop, ZeroDelayNeverCallsTheSleeper) {
  Rig rig(slotOf(2, 2, 0, 1), inOrder({Step::answer(503, milliseconds(300)), Step::stall()}));
  auto r = rig.cluster.send(safeGet());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(rig.clock->sleeps().empty());
  EXPECT_EQ(rig.clock->elapsed(), milliseconds(2300));  // 0.3 s + 2 × 1 s
  EXPECT_EQ(rig.exchanger->seen().size(), 3u);
}

// The old nested loops waited out 429s on top of a full retry budget; now the waits
// come out of the same budget: 2 × 200 ms of waits leave 1.6 s for two 1 s attempts.
TEST(RetryLoop, ThrottleWaitsComeOutOfTheSameBudget) {
  Rig rig(slotOf(1, 1, 0, 1), inOrder({Step::answer(429), Step::answer(429), Step::stall()}));
  auto r = rig.cluster.send(safeGet());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(rig.clock->elapsed(), seconds(2));  // exactly the bound, not 0.4 s past it
  EXPECT_EQ(rig.clock->sleeps(), (std::vector<milliseconds>{milliseconds(200), milliseconds(200)}));
  const auto seen = rig.exchanger->seen();
  ASSERT_EQ(seen.size(), 4u);  // two 429s (not failures), then count + 1 attempts
  EXPECT_EQ(seen[3].at, milliseconds(1400)) << "the second attempt is cut to the 0.6 s left";
}

TEST(RetryLoop, EndlessThrottleEndsWithTheLast429InsideTheBudget) {
  Rig rig(slotOf(1, 1, 0, 1), inOrder({Step::answer(429, milliseconds(10))}));
  auto r = rig.cluster.send(safeGet());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);  // returned as it is: the client reports kRateLimited
  EXPECT_LE(rig.clock->elapsed(), seconds(2));
  // Each round: 10 ms answer + 200 ms wait; a wait is taken only if an attempt fits.
  EXPECT_EQ(rig.clock->sleeps().size(), 9u);
  EXPECT_EQ(rig.exchanger->seen().size(), 10u);
}

TEST(RetryLoop, RetryAfterLongerThanTheTimeLeftIsNotWaited) {
  Step later = Step::answer(429);
  later.retryAfter = "30";
  Rig rig(slotOf(1, 0, 0, 10), inOrder({later}));
  auto r = rig.cluster.send(safeGet());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_TRUE(rig.clock->sleeps().empty());
  EXPECT_EQ(rig.exchanger->seen().size(), 1u);
}

TEST(RetryLoop, A429IsSentAgainEvenForAnUnsafeRequest) {
  Rig rig(slotOf(1, 0, 0, 5), inOrder({Step::answer(429), Step::answer(201)}));
  auto r = rig.cluster.send(unsafePost());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(rig.exchanger->count("POST /keys/generate"), 2u);  // answered before processing
}

TEST(RetryLoop, HostExitEndsTheDelayAndTheCall) {
  Rig rig(slotOf(2, 3, 1, 1), inOrder({Step::stall()}));
  rig.clock->simulateHostExit();
  auto r = rig.cluster.send(safeGet());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(rig.exchanger->seen().size(), 1u);
  EXPECT_EQ(rig.clock->sleeps().size(), 1u);
}

// A kUnsafe request whose bytes left is never sent blindly again: without a check it
// ends; with one it is sent again only when the check says "did not take effect".
TEST(RetryLoop, UnsafeRequestWithoutACheckIsNotRepeated) {
  Rig rig(slotOf(2, 3, 0, 1), inOrder({Step::dropped(), Step::answer(201)}));
  auto r = rig.cluster.send(unsafePost());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(rig.exchanger->seen().size(), 1u);
}

TEST(RetryLoop, UnsafeRequestIsResentOnlyWhenTheCheckSaysAbsent) {
  for (bool applied : {true, false}) {
    SCOPED_TRACE(applied ? "applied" : "not applied");
    Rig rig(slotOf(2, 3, 1, 1), inOrder({Step::answer(503), Step::answer(201)}));
    Request request = unsafePost();
    unsigned checks = 0;
    request.tookEffect = [&]() -> Result<bool> {
      ++checks;
      return applied;
    };
    auto r = rig.cluster.send(request);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(checks, 1u);
    EXPECT_EQ(r->confirmed, applied);
    EXPECT_EQ(r->status, applied ? 0 : 201);
    EXPECT_EQ(rig.exchanger->count("POST /keys/generate"), applied ? 1u : 2u);
    EXPECT_EQ(rig.clock->sleeps().size(), applied ? 0u : 1u);  // the delay before the resend
  }
}

TEST(RetryLoop, AFailedCheckLeavesTheFailureStanding) {
  Rig rig(slotOf(2, 3, 0, 1), inOrder({Step::dropped(), Step::answer(201)}));
  Request request = unsafePost();
  request.tookEffect = []() -> Result<bool> { return makeError(ErrorKind::kTransport, "down"); };
  auto r = rig.cluster.send(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "scripted connection lost");
  EXPECT_EQ(rig.exchanger->seen().size(), 1u);
}

// "Exists" after a lost answer may be our own first attempt: the check decides.
TEST(RetryLoop, ARefusalAfterAnAmbiguousAttemptIsChecked) {
  Rig rig(slotOf(2, 3, 0, 1), inOrder({Step::dropped(), Step::answer(409)}));
  Request request = unsafePost();
  unsigned checks = 0;
  request.tookEffect = [&]() -> Result<bool> { return ++checks == 2; };
  auto r = rig.cluster.send(request);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->confirmed);
  EXPECT_EQ(checks, 2u);
  EXPECT_EQ(rig.exchanger->seen().size(), 2u);
}

// The check's own requests run inside the budget of the request they check: with
// every attempt stalling, the last check finds no time left and the call ends at
// exactly the bound.
TEST(RetryLoop, ChecksRunInsideTheSameBudget) {
  Rig rig(slotOf(2, 2, 1, 1), [](size_t, const Request& request) {
    return request.method == transport::Method::kGet ? Step::answer(404, milliseconds(100))
                                                     : Step::stall();
  });
  Request request = unsafePost();
  request.tookEffect = [&]() -> Result<bool> {
    Request get;
    get.path = "/keys/k";
    auto r = rig.cluster.send(get);
    if (!r) return r.error();
    return r->status == 200;
  };
  auto r = rig.cluster.send(request);
  ASSERT_FALSE(r.ok());
  // 3 × 1 s + 2 × 1 s: the two 100 ms checks came out of the last attempt's time.
  EXPECT_EQ(rig.clock->elapsed(), seconds(5));
  EXPECT_EQ(rig.exchanger->count("POST /keys/generate"), 3u);
  EXPECT_EQ(rig.exchanger->count("GET /keys/k"), 2u);  // the third had no time left
}

// Any mix of stalls, slow 5xx, 429s (with and without Retry-After), lost answers and
// refused connections, for safe and checked unsafe requests: never past the bound,
// never more than retries.count + 1 failed attempts of the request itself.
TEST(RetryLoop, NoMixOfFailuresPassesTheBound) {
  std::mt19937 random(20261201);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(random() % n); };
  milliseconds longest{0};
  int atTheBound = 0;
  for (int round = 0; round < 400; ++round) {
    const auto slot = slotOf(1 + pick(3), pick(4), pick(3), 1 + pick(3));
    const bool unsafe = pick(2) == 1;
    auto steps = std::make_shared<std::vector<Step::Kind>>();
    Rig rig(slot, [&, steps](size_t, const Request& request) {
      if (request.method == transport::Method::kGet && unsafe) {
        return Step::answer(pick(2) ? 404 : 503, milliseconds(pick(1500)));  // the check
      }
      const milliseconds takes(pick(2500));
      switch (pick(6)) {
        case 0:
          return Step::stall();
        case 1:
          return Step::answer(500 + static_cast<long>(pick(5)), takes);
        case 2: {
          Step later = Step::answer(429, milliseconds(pick(50)));
          if (pick(3) == 0) later.retryAfter = std::to_string(pick(3));
          return later;
        }
        case 3:
          return Step::dropped(takes);
        case 4:
          return Step::refused();
        default:
          return Step::answer(412, takes);
      }
    });
    Request request = unsafe ? unsafePost() : safeGet();
    if (unsafe) {
      request.tookEffect = [&]() -> Result<bool> {
        Request get;
        get.path = "/keys/k";
        auto r = rig.cluster.send(get);
        if (!r) return r.error();
        if (r->status >= 500) return makeError(ErrorKind::kServerError, "check failed");
        return r->status == 200;
      };
    }
    (void)rig.cluster.send(request);
    const milliseconds bound = boundOf(slot);
    ASSERT_LE(rig.clock->elapsed(), bound) << "round " << round;
    size_t failed = 0;
    const std::string what = ScriptedExchanger::describe(request);
    for (const auto& a : rig.exchanger->seen()) failed += a.what == what && a.status != 429;
    ASSERT_LE(failed, slot.retries.count + 1) << "round " << round;
    longest = std::max(longest, rig.clock->elapsed());
    atTheBound += rig.clock->elapsed() == bound;
  }
  std::cout << "[ measured ] 400 random mixes: longest " << longest.count() << " ms, " << atTheBound
            << " ended exactly at their bound, none past it\n";
}

}  // namespace
}  // namespace p11nethsm::testing
