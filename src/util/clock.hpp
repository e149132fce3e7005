#pragma once
// Where the retry loop reads the time and spends its waits (issue 10 §5): the call's
// deadline (call_deadline.hpp), the delay between attempts (retries.delay_seconds)
// and the waits for a throttled answer (HTTP 429). Production uses steady_clock and a
// wait that the host's exit cuts short (transport/process_guard.hpp); unit tests
// inject a fake one, so that the worst-case time of a call is checked in fake time
// and no test sleeps.
#include <chrono>

namespace p11nethsm {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Waits `duration`; false when it was cut short because the host is exiting or
  // unloading the module (the caller then gives up at once).
  virtual bool sleepFor(std::chrono::milliseconds duration) = 0;
};

}  // namespace p11nethsm
