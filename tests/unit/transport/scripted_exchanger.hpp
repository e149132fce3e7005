#pragma once
// A transport::Exchanger that plays a script instead of talking to an appliance: per
// attempt an answer, a failure before or after the request left, or a stall until
// the attempt's deadline, each taking some time on a FakeClock. The retry loop above
// it (transport/retry_loop.cpp) runs unchanged, so its decisions and its worst-case
// time are checked in fake time, in milliseconds.
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "transport/exchanger.hpp"
#include "unit/transport/fake_clock.hpp"

namespace p11nethsm::testing {

struct Step {
  enum class Kind {
    kAnswer,   // an HTTP answer with `status`
    kRefused,  // fails before any byte left (connection refused)
    kDropped,  // the connection closes after the request left, no answer
    kStall,    // no answer until the attempt's deadline (a timeout after sending)
  };
  Kind kind = Kind::kAnswer;
  long status = 200;
  std::chrono::milliseconds takes{0};  // fake time the attempt takes (up to its deadline)
  std::string retryAfter;
  std::string body;

  static Step answer(long status, std::chrono::milliseconds takes = {}) {
    return Step{Kind::kAnswer, status, takes, {}, {}};
  }
  static Step refused() { return Step{Kind::kRefused, 0, {}, {}, {}}; }
  static Step dropped(std::chrono::milliseconds takes = {}) {
    return Step{Kind::kDropped, 0, takes, {}, {}};
  }
  static Step stall() { return Step{Kind::kStall, 0, {}, {}, {}}; }
};

// One attempt as the exchanger saw it.
struct SeenAttempt {
  size_t instance;
  std::string what;              // "GET /keys/k1", "POST /keys/generate", ...
  std::chrono::milliseconds at;  // fake time when it started
  long status;                   // the answer's; 0 for a failure
};

class ScriptedExchanger final : public transport::Exchanger {
 public:
  // Decides the step of each attempt; may keep state (a key "committed" by an attempt).
  using Script = std::function<Step(size_t instance, const transport::Request&)>;

  ScriptedExchanger(std::shared_ptr<FakeClock> clock, Script script)
      : clock_(std::move(clock)), script_(std::move(script)) {}

  transport::ExchangeOutcome exchange(size_t instance, const transport::Request& request,
                                      const transport::ExchangeLimits&,
                                      std::chrono::steady_clock::time_point deadline) override {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_->now());
    const Step step = script_(instance, request);
    {
      std::lock_guard lock(mutex_);
      const bool answers = step.kind == Step::Kind::kAnswer && step.takes < left;
      seen_.push_back({instance, describe(request), clock_->elapsed(), answers ? step.status : 0});
    }
    transport::ExchangeOutcome outcome;
    if (step.kind == Step::Kind::kStall || step.takes >= left) {
      clock_->advance(std::max(left, std::chrono::milliseconds(0)));
      outcome.result = makeError(ErrorKind::kTransport, "scripted timeout");
      return outcome;  // bytes left: ambiguous for a kUnsafe request
    }
    clock_->advance(step.takes);
    if (step.kind == Step::Kind::kRefused) {
      outcome.result = makeError(ErrorKind::kTransport, "scripted connection refused");
      outcome.neverSent = true;
    } else if (step.kind == Step::Kind::kDropped) {
      outcome.result = makeError(ErrorKind::kTransport, "scripted connection lost");
    } else {
      transport::Response response;
      response.status = step.status;
      response.body = step.body;
      response.retryAfter = step.retryAfter;
      outcome.result = std::move(response);
    }
    return outcome;
  }

  std::vector<SeenAttempt> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  size_t count(const std::string& what) const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(seen_.begin(), seen_.end(),
                                             [&](const SeenAttempt& a) { return a.what == what; }));
  }

  static std::string describe(const transport::Request& request) {
    static constexpr const char* kNames[] = {"GET", "POST", "PUT", "DELETE"};
    return std::string(kNames[static_cast<int>(request.method)]) + " " + request.path;
  }

 private:
  std::shared_ptr<FakeClock> clock_;
  Script script_;
  mutable std::mutex mutex_;
  std::vector<SeenAttempt> seen_;
};

// A script that plays `steps` in order, one per attempt; the last one repeats.
inline ScriptedExchanger::Script inOrder(std::vector<Step> steps) {
  auto next = std::make_shared<size_t>(0);
  return [steps = std::move(steps), next](size_t, const transport::Request&) {
    const Step& step = steps[std::min(*next, steps.size() - 1)];
    ++*next;
    return step;
  };
}

}  // namespace p11nethsm::testing
