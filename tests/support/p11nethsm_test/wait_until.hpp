#pragma once
// Tests wait on conditions, never on bare sleeps (COMMON.md): poll `condition` until
// it holds or `limit` passes. Header-only, so that every test area (and the helper
// programs of the e2e and host-process tests) can use it.
#include <chrono>
#include <optional>
#include <thread>

namespace p11nethsm::testing {

// The time it took until `condition` held, or nullopt after `limit`. `every`: the pause
// between two polls (longer for a condition that costs a request or a connection).
template <class F>
std::optional<std::chrono::milliseconds> timeUntil(
    F condition, std::chrono::milliseconds limit,
    std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (;;) {
    if (condition())
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (Clock::now() - start >= limit) return std::nullopt;
    std::this_thread::sleep_for(every);
  }
}

template <class F>
bool waitUntil(F condition, std::chrono::milliseconds limit = std::chrono::seconds(10),
               std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
  return timeUntil(condition, limit, every).has_value();
}

}  // namespace p11nethsm::testing
