#pragma once
// Plain HTTP request/response values exchanged with the transport. Knows nothing of
// NetHSM: paths are relative to an instance's base URL (e.g. "/keys/k1/sign").
#include <optional>
#include <string>

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
};

inline constexpr size_t kDefaultMaxResponseBytes = size_t{1} << 20;

struct Response {
  long status = 0;
  std::string body;
  std::string contentType;
  std::string location;      // Location header, if any
  std::string etag;          // ETag header, if any
  std::string retryAfter;    // Retry-After header, if any (429, 503)
  size_t instanceIndex = 0;  // which instance answered (for logs and tests)
};

// Percent-encodes one path segment (libcurl's escaper), e.g. a user or key ID that
// the caller did not validate. Unreserved characters pass unchanged.
std::string escapePathSegment(const std::string& segment);

}  // namespace p11nethsm::transport
