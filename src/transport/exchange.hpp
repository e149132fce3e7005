#pragma once
// One HTTP exchange on one borrowed curl handle: sets the per-request options,
// performs, and says whether a failure provably happened before any request byte
// left the machine (then any request may go to another instance).
#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <string>

#include "transport/http.hpp"
#include "util/result.hpp"

namespace p11nethsm::transport {

struct ExchangeLimits {
  long totalTimeoutMs = 0;    // CURLOPT_TIMEOUT_MS; 0 = none
  long connectTimeoutMs = 0;  // CURLOPT_CONNECTTIMEOUT_MS; 0 = curl default
  // When set and true, the transfer is aborted (health checker stop()).
  const std::atomic<bool>* abort = nullptr;
};

struct ExchangeOutcome {
  // Built directly, not through makeError: that one is [[gnu::cold]], and every
  // exchange constructs this default on its hot path.
  Result<Response> result = Error{ErrorKind::kInternal, "not performed"};
  bool neverSent = false;  // failure before any request byte was written
  // The appliance answered, but not with HTTP we accept (an answer over the cap, a
  // garbage status line): kMalformedResponse, not a sign that the instance is down.
  bool badAnswer = false;
};

// Options performExchange relies on that stay for a handle's life (write and progress
// callbacks, Basic auth): set once by the pool when it creates a handle.
void setExchangeOptions(CURL* handle);

ExchangeOutcome performExchange(CURL* handle, const std::string& baseUrl, const Request& request,
                                const ExchangeLimits& limits);

// True for curl results that happen before the request is written: name
// resolution, connect, TLS handshake (including a refused certificate or pin).
bool failsBeforeSending(CURLcode code);

}  // namespace p11nethsm::transport
