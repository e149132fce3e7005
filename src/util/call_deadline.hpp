#pragma once
// One deadline for all the requests of one PKCS#11 call (issue 12 §3,
// docs/transport.md "Worst-case time of one call"). The ABI guard opens a CallScope
// around every C_ function; the transport's retry loop starts the call's deadline at
// its first request (now + the slot's bound) and honours it in every attempt, retry
// delay, throttle wait and inline probe. An answer from an appliance moves the deadline to at least
// now + bound: a call that receives answers is making progress (a listing of many
// keys), a call that receives none ends within the bound of its start. The times come
// from the caller (the cluster's clock, util/clock.hpp), so a fake clock drives it.
//
// Only trivially destructible thread-locals (a raw pointer): nothing may outlive
// dlclose. The state lives in the CallScope on the C_ function's stack; threads that
// work for the call (a listing's workers, joined before it returns) adopt it.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace p11nethsm {

class CallState {
 public:
  using Clock = std::chrono::steady_clock;
  // The deadline, started at now + bound by the first request of the call.
  Clock::time_point begin(Clock::time_point now, Clock::duration bound);
  // An answer arrived at `now`: the deadline becomes at least now + bound.
  void answered(Clock::time_point now, Clock::duration bound);
  // The deadline once begun (the clock's epoch before).
  Clock::time_point deadline() const;

 private:
  std::atomic<int64_t> deadlineNs_{0};  // steady clock; 0 = not started
};

// Opens a call on this thread; a nested scope (a C_ function called inside another)
// joins the outer call.
class CallScope {
 public:
  CallScope();
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // The call this thread works for; nullptr outside any call (then each request is
  // bounded alone, e.g. on the health checker thread).
  static CallState* current();

  // Makes this thread work for `state` (nullptr: for no call) until destroyed.
  class Adopt {
   public:
    explicit Adopt(CallState* state);
    ~Adopt();
    Adopt(const Adopt&) = delete;
    Adopt& operator=(const Adopt&) = delete;

   private:
    CallState* previous_;
  };

 private:
  CallState state_;
  bool owner_ = false;
};

}  // namespace p11nethsm
