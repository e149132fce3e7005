#include "transport/balancer.hpp"

#include <algorithm>

namespace p11nethsm::transport {
namespace {

// Weight of a new latency sample in the recent mean (about the last 10 answers).
constexpr double kRecentWeight = 0.1;
// Queue estimates closer than this are equal; latency decides between them.
constexpr double kQueueTolerance = 0.25;

}  // namespace

LoadBalancer::LoadBalancer(size_t instances, Clock::time_point start) : load_(instances) {
  for (auto& l : load_) l.lastChosen = start;
}

double LoadBalancer::queueEstimate(size_t i) const {
  const Load& l = load_[i];
  if (!l.measured || l.recentUs <= 0) return 0;
  return static_cast<double>(l.inFlight) * std::max(0.0, 1.0 - l.baseUs / l.recentUs);
}

size_t LoadBalancer::choose(const std::vector<bool>& usable, std::optional<size_t> avoid,
                            Clock::time_point now) {
  const size_t n = load_.size();
  std::vector<size_t>& candidates = candidates_;  // reused: no allocation per request
  candidates.clear();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (rotation_ + k) % n;
    if (usable[i] && (!avoid || i != *avoid)) candidates.push_back(i);
  }
  if (candidates.empty() && avoid && usable[*avoid]) candidates.push_back(*avoid);
  size_t chosen = rotation_ % n;
  if (!candidates.empty()) {
    chosen = *bestOf(candidates);
    for (size_t i : candidates) {  // a neglected instance gets this one as a probe
      if (i != chosen && now - load_[i].lastChosen >= kProbeInterval) {
        chosen = i;
        break;
      }
    }
  }
  rotation_ = (rotation_ + 1) % n;
  load_[chosen].lastChosen = now;
  return chosen;
}

std::optional<size_t> LoadBalancer::bestOf(const std::vector<size_t>& candidates) const {
  double shortest = queueEstimate(candidates.front());
  for (size_t i : candidates) shortest = std::min(shortest, queueEstimate(i));
  std::optional<size_t> best;
  for (size_t i : candidates) {
    if (queueEstimate(i) > shortest + kQueueTolerance) continue;
    if (!best) {
      best = i;
      continue;
    }
    // Among short queues: one never measured first, then the lowest recent latency,
    // then fewer requests in flight.
    const Load& a = load_[i];
    const Load& b = load_[*best];
    if (a.measured != b.measured) {
      if (!a.measured) best = i;
    } else if (a.recentUs != b.recentUs) {
      if (a.recentUs < b.recentUs) best = i;
    } else if (a.inFlight < b.inFlight) {
      best = i;
    }
  }
  return best;
}

void LoadBalancer::started(size_t i) { ++load_[i].inFlight; }

void LoadBalancer::finished(size_t i, std::optional<std::chrono::microseconds> latency) {
  Load& l = load_[i];
  if (l.inFlight > 0) --l.inFlight;
  if (!latency) return;
  const double us = std::max(1.0, static_cast<double>(latency->count()));
  l.recentUs = l.measured ? l.recentUs + kRecentWeight * (us - l.recentUs) : us;
  l.measured = true;
  l.window[l.samples++ % kWindow] = us;
  const size_t filled = std::min(l.samples, kWindow);
  l.baseUs = *std::min_element(l.window.begin(), l.window.begin() + static_cast<long>(filled));
}

}  // namespace p11nethsm::transport
