#pragma once
// Internal state and helpers of nethsm::Client, shared by client.cpp (reads,
// crypto, users) and key_management.cpp (retry-safe changes).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "nethsm/client.hpp"
#include "nethsm/error.hpp"

namespace p11nethsm::nethsm {

inline constexpr const char* kJson = "application/json";

// Which credentials an endpoint takes (BEHAVIOUR.md §2 "Who may call what").
enum class Access {
  kPublic,         // /info, /health/*
  kOperator,       // sign, decrypt, encrypt, random
  kAdministrator,  // key changes, /system/info
  kRead,           // key list/get/public.pem/cert: Operator, else Administrator
};

struct Client::Impl {
  Impl(transport::Cluster& c, const CredentialSource& s) : cluster(c), credentials(s) {}

  // cluster.send with 429s waited out there (throttleRetry, throttle.hpp); every
  // request goes through it.
  Result<transport::Response> send(transport::Request& request);

  // The credentials for `access`; kNoCredentials when the role has none.
  Result<std::optional<transport::BasicAuth>> authFor(Access access) const;

  // Sends with the credentials of `access`; a status outside `ok` becomes an Error
  // through mapFailure. `operation` names the endpoint for messages and picks the
  // answer's cap (response_caps.hpp) unless the request sets one.
  Result<transport::Response> call(Access access, transport::Request request,
                                   std::initializer_list<long> ok, std::string_view operation);

  // For requests that must not be repeated blindly (key creation, deletion, ...):
  // `isDone` becomes the request's tookEffect check, which the cluster's retry loop
  // asks after an ambiguous failure (transport error once bytes left, or 5xx: the
  // request may have taken effect); it sends again on the next instance only when
  // the answer is "no", within the same attempts and time as any retry. A clear
  // refusal of a first attempt is returned at once.
  Status sendChecked(Access access, transport::Request request, std::initializer_list<long> ok,
                     std::string_view operation, const std::function<Result<bool>()>& isDone);

  Result<bool> keyExists(const std::string& id);
  // The capabilities of the learnt firmware, computed once when it is learnt;
  // nullopt while the version is unknown.
  std::optional<Capabilities> knownCapabilities() const;
  void learnFirmware(FirmwareVersion v);

  transport::Cluster& cluster;
  const CredentialSource& credentials;

  // The learnt firmware version (packed by learnFirmware), 0 while unknown. Every
  // operation asks it, so it is read without a lock (issue 11); capabilitiesOf
  // derives the rest from it, a few comparisons.
  std::atomic<uint64_t> learnedFirmware{0};
  mutable std::mutex mutex;  // guards lastFirmwareQuery; never held across I/O
  std::optional<std::chrono::steady_clock::time_point> lastFirmwareQuery;
};

// "/keys/<id><suffix>"; kInvalidArgument for a string that is not a NetHSM key ID
// (isValidKeyId), so "", "." or ".." never make "/keys/" or "/" (issue 12 §1).
Result<std::string> keyPath(const std::string& id, const char* suffix = "");

}  // namespace p11nethsm::nethsm
