#include "transport/instance_health.hpp"

#include <algorithm>

namespace p11nethsm::transport {

std::vector<std::chrono::milliseconds> ClusterOptions::defaultProbeBackoff() {
  using std::chrono::seconds;
  return {seconds(1), seconds(1), seconds(2), seconds(5), seconds(10), seconds(60), seconds(300)};
}

InstanceHealthTracker::InstanceHealthTracker(const std::vector<Millis>& backoff,
                                             Millis workingInterval)
    : backoff_(backoff), workingInterval_(workingInterval) {}

bool InstanceHealthTracker::recordFailure(Clock::time_point now, bool fromProbe) {
  const bool left = state_ != InstanceHealth::kFailed;
  if (left) {
    failedProbes_ = 0;
  } else if (fromProbe) {
    ++failedProbes_;
  } else {
    return false;  // keep the probe schedule of an instance already out
  }
  state_ = InstanceHealth::kFailed;
  lastEvent_ = now;
  return left;
}

bool InstanceHealthTracker::recordSuccess(Clock::time_point now) {
  const bool cameBack = state_ == InstanceHealth::kFailed;
  state_ = InstanceHealth::kWorking;
  failedProbes_ = 0;
  lastEvent_ = now;
  return cameBack;
}

InstanceHealthTracker::Millis InstanceHealthTracker::currentBackoff() const {
  if (backoff_.empty()) return Millis(1000);
  return backoff_[std::min(failedProbes_, backoff_.size() - 1)];
}

InstanceHealthTracker::Clock::time_point InstanceHealthTracker::nextProbe() const {
  switch (state_) {
    case InstanceHealth::kFailed:
      return lastEvent_ + currentBackoff();
    case InstanceHealth::kUnknown:
    case InstanceHealth::kWorking:
      break;
  }
  return lastEvent_ + workingInterval_;
}

}  // namespace p11nethsm::transport
