#include "util/call_deadline.hpp"

namespace p11nethsm {
namespace {

thread_local CallState* tCurrent = nullptr;  // trivially destructible on purpose

int64_t toNs(CallState::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

CallState::Clock::time_point CallState::begin(Clock::time_point now, Clock::duration bound) {
  int64_t expected = 0;
  const int64_t proposed = toNs(now + bound);
  if (!deadlineNs_.compare_exchange_strong(expected, proposed)) {
    return Clock::time_point(std::chrono::nanoseconds(expected));
  }
  return Clock::time_point(std::chrono::nanoseconds(proposed));
}

void CallState::answered(Clock::time_point now, Clock::duration bound) {
  const int64_t proposed = toNs(now + bound);
  int64_t seen = deadlineNs_.load();
  while (seen != 0 && seen < proposed && !deadlineNs_.compare_exchange_weak(seen, proposed)) {
  }
}

CallState::Clock::time_point CallState::deadline() const {
  return Clock::time_point(std::chrono::nanoseconds(deadlineNs_.load()));
}

CallScope::CallScope() {
  if (tCurrent == nullptr) {
    tCurrent = &state_;
    owner_ = true;
  }
}

CallScope::~CallScope() {
  if (owner_) tCurrent = nullptr;
}

CallState* CallScope::current() { return tCurrent; }

CallScope::Adopt::Adopt(CallState* state) : previous_(tCurrent) { tCurrent = state; }

CallScope::Adopt::~Adopt() { tCurrent = previous_; }

}  // namespace p11nethsm
