#pragma once
// Health bookkeeping of one instance (issue 4 §4), without I/O or locking: the
// cluster guards it with its mutex. A failed instance is re-probed after the
// backoff 1, 1, 2, 5, 10, 60, 300 s (by consecutive failed probes); a working one
// is probed when it has been quiet for the working-probe interval, so a silently
// dead instance is noticed before users hit it.
#include <chrono>
#include <vector>

#include "transport/cluster.hpp"

namespace p11nethsm::transport {

class InstanceHealthTracker {
 public:
  using Clock = std::chrono::steady_clock;
  using Millis = std::chrono::milliseconds;

  InstanceHealthTracker(const std::vector<Millis>& backoff, Millis workingInterval);

  InstanceHealth state() const { return state_; }
  // A request (fromProbe false) or probe failed. Returns true if the instance just
  // left the rotation. Only failed probes lengthen the backoff.
  bool recordFailure(Clock::time_point now, bool fromProbe);
  // A request or probe got an answer that shows the instance works. Returns true if
  // the instance just came back.
  bool recordSuccess(Clock::time_point now);

  // When the next probe is due: after the backoff for a failed instance, after the
  // working interval without traffic for a working one, and one working interval
  // after creation for an unknown one. Not at once: C_Initialize does no network
  // I/O, not even from its background thread (DESIGN.md), so a short-lived host
  // (pkcs11-tool) never has a probe in flight; its first request tells the health.
  Clock::time_point nextProbe() const;
  bool probeDue(Clock::time_point now) const { return !probing_ && nextProbe() <= now; }
  bool probing() const { return probing_; }
  void setProbing(bool probing) { probing_ = probing; }
  // Wait before the next probe of a failed instance.
  Millis currentBackoff() const;

 private:
  const std::vector<Millis>& backoff_;
  Millis workingInterval_;
  InstanceHealth state_ = InstanceHealth::kUnknown;
  size_t failedProbes_ = 0;                     // consecutive failures since the instance failed
  Clock::time_point lastEvent_ = Clock::now();  // creation, then the last outcome
  bool probing_ = false;
};

}  // namespace p11nethsm::transport
