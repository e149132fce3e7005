#pragma once
// Which instance of a cluster gets the next attempt (issue 11). Round robin sends a
// third of the work to an instance that answers late and holds the callers there; this
// balancer estimates, per instance, how many requests wait in its queue rather than
// being served — TCP Vegas' estimate, in-flight × (1 − base latency / recent latency)
// — and picks the instance with the shortest queue, then the lowest recent latency.
// An instance that is far away but not busy keeps a short queue, so it still gets
// work (and its latency is measured all the time); an instance that serves one
// request at a time builds a queue as soon as two wait, so extra callers go elsewhere.
// An instance not chosen for kProbeInterval gets the next request, so a late one that
// recovers is noticed. Not thread-safe: the cluster guards it with its mutex.
#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace p11nethsm::transport {

class LoadBalancer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kProbeInterval{1000};
  static constexpr size_t kWindow = 32;

  // `start`: when probing of neglected instances may begin (kProbeInterval later).
  explicit LoadBalancer(size_t instances, Clock::time_point start = Clock::now());

  // The instance for the next attempt among those with usable[i]; `avoid` (the
  // instance of a failed attempt) only if it is the only usable one. With no usable
  // instance, the next one in turn.
  size_t choose(const std::vector<bool>& usable, std::optional<size_t> avoid,
                Clock::time_point now = Clock::now());
  void started(size_t instance);
  // `latency` of an exchange that got an answer; nullopt for a failed one.
  void finished(size_t instance, std::optional<std::chrono::microseconds> latency);

  size_t inFlight(size_t instance) const { return load_[instance].inFlight; }
  // Requests estimated to wait behind others at the instance (0 before any answer).
  double queueEstimate(size_t instance) const;

 private:
  struct Load {
    size_t inFlight = 0;
    double recentUs = 0;  // exponentially weighted mean latency
    // Latency without a queue: the lowest of the last kWindow answers, so that it
    // follows an instance that became slower for good within a few answers.
    double baseUs = 0;
    std::array<double, kWindow> window{};
    size_t samples = 0;
    bool measured = false;
    Clock::time_point lastChosen{};
  };
  std::optional<size_t> bestOf(const std::vector<size_t>& candidates) const;
  std::vector<Load> load_;
  std::vector<size_t> candidates_;  // scratch of choose()
  size_t rotation_ = 0;             // where ties start, so equal instances take turns
};

}  // namespace p11nethsm::transport
