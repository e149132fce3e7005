#pragma once
// Plain HTTP request/response values exchanged with the transport. Knows nothing of
// NetHSM: paths are relative to an instance's base URL (e.g. "/keys/k1/sign").
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "util/result.hpp"
#include "util/secret.hpp"

namespace p11nethsm::transport {

enum class Method { kGet, kPost, kPut, kDelete };

struct BasicAuth {
  std::string username;
  SecretString password;
};

// Whether a request may be sent again after a failure that happened after its bytes
// may have reached the server. Requests that provably never left the machine (connect
// failure) are always retried on another instance.
enum class Idempotency { kSafe, kUnsafe };

struct Response;

// Reads an answer that means "not processed, send the same request again after this
// wait" (NetHSM's 429, nethsm/throttle.hpp); nullopt: the answer stands. `earlierWaits`
// counts the waits this request already had. The cluster's retry loop spends the wait
// within the request's deadline, for any idempotency.
using RetryLater = std::optional<std::chrono::milliseconds> (*)(const Response& answer,
                                                                unsigned earlierWaits);

// For a kUnsafe request: asked by the retry loop after an ambiguous failure (a 5xx, or
// a transport error once bytes may have left), and after a clear refusal that follows
// one: did the request take effect? true: it did (Response::confirmed); false: it did
// not, and it is sent again if attempts and time are left; an error: the failure
// stands. It may send requests of its own (within the same deadline).
using EffectCheck = std::function<Result<bool>()>;

struct Request {
  Method method = Method::kGet;
  std::string path;         // appended to the instance base URL; includes a query
  std::string body;         // sent as is
  std::string contentType;  // empty: no Content-Type header
  std::string accept;       // empty: no Accept header
  std::optional<BasicAuth> auth;
  Idempotency idempotency = Idempotency::kSafe;
  // Overrides the slot's total timeout (e.g. 1 s inline health probes); 0 = slot default.
  unsigned timeoutMs = 0;
  // The answer's body may not exceed this (the endpoint's cap, nethsm/response_caps.hpp):
  // the transfer is aborted as soon as it passes it. 0 = kDefaultMaxResponseBytes.
  size_t maxResponseBytes = 0;
  RetryLater retryLater = nullptr;  // null: every answer stands
  EffectCheck tookEffect;           // empty: a kUnsafe request is never sent again once sent
};

inline constexpr size_t kDefaultMaxResponseBytes = size_t{1} << 20;

// Only a throttled (429) or unavailable (503) appliance says when to come back
// (RFC 9110 §10.2.3): the one place that decides whether Retry-After is read.
inline bool answerMayCarryRetryAfter(long status) { return status == 429 || status == 503; }

struct Response {
  long status = 0;
  std::string body;
  std::string contentType;
  std::string retryAfter;    // Retry-After header, if any (429, 503)
  size_t instanceIndex = 0;  // which instance answered (for logs and tests)
  // No answer arrived (status 0), but Request::tookEffect said the request took effect.
  bool confirmed = false;
};

// Percent-encodes one path segment (libcurl's escaper), e.g. a user or key ID that
// the caller did not validate. Unreserved characters pass unchanged.
std::string escapePathSegment(const std::string& segment);

}  // namespace p11nethsm::transport
