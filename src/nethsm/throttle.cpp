#include "nethsm/throttle.hpp"

#include <charconv>
#include <optional>

#include "log/log.hpp"

namespace p11nethsm::nethsm {

namespace {

constexpr long kTooManyRequests = 429;
constexpr std::chrono::milliseconds kSteps[] = {
    std::chrono::milliseconds(100), std::chrono::milliseconds(150), std::chrono::milliseconds(250)};

// RFC 9110 §10.2.3: delta-seconds (an HTTP-date is ignored: no clock is shared).
std::optional<std::chrono::seconds> retryAfterSeconds(std::string_view text) {
  unsigned long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > 86400) return std::nullopt;
  return std::chrono::seconds(value);
}

}  // namespace

std::chrono::milliseconds throttleWait(unsigned retry, std::string_view retryAfter) {
  if (auto seconds = retryAfterSeconds(retryAfter)) {
    return *seconds > std::chrono::seconds(0) ? std::chrono::milliseconds(*seconds) : kSteps[0];
  }
  constexpr unsigned kLast = std::size(kSteps) - 1;
  return kSteps[retry < kLast ? retry : kLast];
}

std::optional<std::chrono::milliseconds> throttleRetry(const transport::Response& answer,
                                                       unsigned earlierWaits) {
  if (answer.status != kTooManyRequests) return std::nullopt;
  if (earlierWaits == 0 && log::enabled(log::Level::kDebug)) {
    log::debug("HTTP 429 (a failed login for this user name from this host); waiting it out");
  }
  return throttleWait(earlierWaits, answer.retryAfter);
}

}  // namespace p11nethsm::nethsm
