#pragma once
// A clock for the retry loop (util/clock.hpp) in which time passes only when a test
// or a scripted attempt says so; sleeping records the wait and moves time on at once.
// Tests of the worst-case time of a call run on it in milliseconds, without sleeping.
#include <chrono>
#include <mutex>
#include <vector>

#include "util/clock.hpp"

namespace p11nethsm::testing {

class FakeClock final : public Clock {
 public:
  using Millis = std::chrono::milliseconds;

  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return kEpoch + elapsed_;
  }
  bool sleepFor(Millis wait) override {
    std::lock_guard lock(mutex_);
    sleeps_.push_back(wait);
    elapsed_ += wait;
    return !hostExiting_;
  }

  void advance(Millis by) {
    std::lock_guard lock(mutex_);
    elapsed_ += by;
  }
  // Fake time since construction.
  Millis elapsed() const {
    std::lock_guard lock(mutex_);
    return elapsed_;
  }
  std::vector<Millis> sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }
  // From now on a wait ends as the host's exit ends it (sleepUnlessAborted false).
  void simulateHostExit() {
    std::lock_guard lock(mutex_);
    hostExiting_ = true;
  }

 private:
  // Far from steady_clock's epoch, so that no deadline is ever 0 ("not started").
  static constexpr TimePoint kEpoch = TimePoint(std::chrono::hours(1000));
  mutable std::mutex mutex_;
  Millis elapsed_{0};
  std::vector<Millis> sleeps_;
  bool hostExiting_ = false;
};

}  // namespace p11nethsm::testing
