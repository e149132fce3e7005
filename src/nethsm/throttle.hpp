#pragma once
// Throttling is not a verdict (DESIGN.md "Throttling"). After a failed Basic-auth
// attempt the appliance answers 429 to every request with that user name from this
// IP for 1 s (BEHAVIOUR.md §2 "Rate limiting"), whoever sent it and whatever the
// password: another process that typed a wrong PIN stops our signatures too. A 429
// is answered before the request is processed, so every request (even a key
// generation) may be sent again once the window is over. This is the one place that
// waits it out; nethsm::Client sends every request through it.
#include <chrono>
#include <functional>
#include <string_view>

#include "transport/cluster.hpp"

namespace p11nethsm::nethsm {

using ThrottleSleeper = std::function<void(std::chrono::milliseconds)>;

struct ThrottleOptions {
  // How a wait is spent; empty: std::this_thread::sleep_for. Tests inject their own.
  ThrottleSleeper sleep;
};

// The wait before attempt `retry` (0 = first resend) after a 429: the answer's
// Retry-After when it carries delta-seconds, else 100, 150, 250, 250, ... ms (the
// firmware sends none and its window is 1 s: the steps end it within ~0.1 s).
std::chrono::milliseconds throttleWait(unsigned retry, std::string_view retryAfter);

// Sends `request` through the cluster; while the answer is 429, waits (throttleWait)
// and sends it again, as long as the waits fit in `budget` (the slot's
// timeout_seconds). Then the last answer is returned as it is: the caller maps a
// remaining 429 to ErrorKind::kRateLimited, never to a wrong password.
Result<transport::Response> sendThrottled(transport::Cluster& cluster,
                                          const transport::Request& request,
                                          std::chrono::milliseconds budget,
                                          const ThrottleOptions& options);

}  // namespace p11nethsm::nethsm
