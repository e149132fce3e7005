#pragma once
// Throttling is not a verdict (DESIGN.md "Throttling"). After a failed Basic-auth
// attempt the appliance answers 429 to every request with that user name from this
// IP for 1 s (BEHAVIOUR.md §2 "Rate limiting"), whoever sent it and whatever the
// password: another process that typed a wrong PIN stops our signatures too. A 429
// is answered before the request is processed, so every request (even a key
// generation) may be sent again once the window is over. nethsm::Client sets
// throttleRetry on every request; the cluster's one retry loop (transport/
// retry_loop.cpp) waits and sends again within the request's budget, the same
// (retries.count + 1) × timeout_seconds + retries.count × delay_seconds as any other
// retry. A 429 still left when that budget is spent is returned as it is: the caller
// maps it to ErrorKind::kRateLimited, never to a wrong password.
#include <chrono>
#include <optional>
#include <string_view>

#include "transport/http.hpp"

namespace p11nethsm::nethsm {

// The wait before resend `retry` (0 = first resend) after a 429: the answer's
// Retry-After when it carries delta-seconds, else 100, 150, 250, 250, ... ms (the
// firmware sends none and its window is 1 s: the steps end it within ~0.1 s).
std::chrono::milliseconds throttleWait(unsigned retry, std::string_view retryAfter);

// transport::RetryLater for NetHSM: throttleWait for a 429, nullopt for any other
// answer.
std::optional<std::chrono::milliseconds> throttleRetry(const transport::Response& answer,
                                                       unsigned earlierWaits);

}  // namespace p11nethsm::nethsm
