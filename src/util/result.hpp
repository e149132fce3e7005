#pragma once
// Errors are values inside the module (DESIGN.md "Errors are values"): every layer
// returns Result<T>; the ABI layer turns the error into a CK_RV in one mapping.
#include <string>
#include <utility>
#include <variant>

namespace p11nethsm {

// What went wrong, independent of PKCS#11. The CK_RV mapping lives in core/error_map.
enum class ErrorKind {
  kInvalidArgument,    // caller input is wrong (maps to ARGUMENTS_BAD / *_INVALID)
  kConfig,             // configuration file problem
  kNotFound,           // HTTP 404 / unknown object
  kUnauthorized,       // HTTP 401: wrong or missing credentials
  kForbidden,          // HTTP 403: wrong role or tag restriction
  kRateLimited,        // HTTP 429 after a failed login
  kBadRequest,         // HTTP 400 from the appliance
  kConflict,           // HTTP 409
  kNotOperational,     // HTTP 412: appliance locked / unprovisioned
  kServerError,        // HTTP 5xx or unexpected status
  kMalformedResponse,  // reply we cannot parse
  kTransport,          // connect/TLS/timeout/connection lost
  kNoCredentials,      // no password known for the role the endpoint needs
  kUnsupported,        // feature not offered (e.g. by this firmware)
  kInternal,           // bug or resource failure inside the module
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;  // one line; never contains a secret
  int httpStatus = 0;   // last HTTP status when the error came from the appliance
  // Set by layers that know PKCS#11 (mech, core) when they decided the exact CK_RV;
  // 0 means "map from kind". Stored as unsigned long to keep util free of pkcs11.h.
  unsigned long pkcs11Rv = 0;
};

// Cold: the compiler moves every path that ends in an error out of the hot code, so a
// successful call runs through densely packed instructions (fewer I-cache lines per
// signature; issue 11 profile).
[[gnu::cold]] inline Error makeError(ErrorKind kind, std::string message, int httpStatus = 0) {
  return Error{kind, std::move(message), httpStatus, 0};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit on purpose
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error takeError() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() { return Ok{}; }

}  // namespace p11nethsm
