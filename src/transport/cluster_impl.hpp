#pragma once
// Internal state of a Cluster, shared by cluster.cpp (routing, retries) and
// health_checker.cpp (the background thread and the probes).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/balancer.hpp"
#include "transport/cluster.hpp"
#include "transport/exchange.hpp"
#include "transport/handle_pool.hpp"
#include "transport/instance_health.hpp"
#include "util/call_deadline.hpp"

namespace p11nethsm::transport {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Inline probes when no health thread runs (issue 4 §4, seed 004 "Retries").
inline constexpr Millis kInlineProbeTimeout{1000};
inline constexpr unsigned kInlineProbesPerCall = 3;
// How often the health checker closes idle connections past their grace.
inline constexpr Millis kIdleTrimInterval{5000};

inline long millisOf(unsigned seconds) { return static_cast<long>(seconds) * 1000L; }

struct Cluster::Impl {
  // `afterFork`: rebuilt in a forked child, where nothing may be logged (the log's
  // lock may have been held by a parent thread at fork time).
  Impl(const config::SlotConfig& slotConfig, ClusterOptions clusterOptions, bool afterFork);

  // --- routing (cluster.cpp)
  // The instance for the next attempt, counted in flight until attemptDone().
  // (The retry loop itself, Cluster::send, is in retry_loop.cpp.)
  size_t pickInstance(std::optional<size_t> avoid);
  void attemptDone(size_t instance, std::optional<std::chrono::microseconds> latency);
  // One attempt on one instance within `timeoutMs`; updates health. `neverSent` as in
  // ExchangeOutcome. The exchanger's deadline is on options.clock.
  Result<Response> attempt(size_t instance, const Request& request, long timeoutMs,
                           bool& neverSent);
  Result<Response> finishAttempt(size_t instance, const Request& request, ExchangeOutcome outcome,
                                 HandlePool::Lease* lease, Clock::time_point sent, bool& neverSent);
  // The worst case of one call (docs/transport.md): (count + 1) × timeout_seconds +
  // count × delay_seconds.
  Clock::duration callBound() const;
  void recordOutcomeLocked(size_t instance, bool failed, const std::string& reason);

  // --- health (health_checker.cpp)
  bool probe(size_t instance, Millis timeout, const std::atomic<bool>* abort);
  void finishProbe(size_t instance, bool ok);
  // Probes due failed instances inline, each within min(1 s, millisLeft()), the time
  // left to the send() that runs them.
  void inlineProbes(unsigned& budget, const std::function<long()>& millisLeft);
  void healthLoop();
  bool threadRunning() const;
  Millis backgroundProbeTimeout() const;

  const config::SlotConfig slot;
  const ClusterOptions options;
  std::vector<std::unique_ptr<HandlePool>> pools;  // immutable after construction

  mutable std::mutex mutex;  // guards everything below; never held across I/O
  std::vector<InstanceHealthTracker> trackers;
  LoadBalancer balancer;
  std::vector<bool> usable;  // scratch of pickInstance()
  std::vector<size_t> attemptsPerInstance;
  // Written under `mutex`; an atomic so that threadRunning(), asked on every request,
  // takes no lock (issue 11).
  std::atomic<bool> running{false};
  bool stopping = false;
  std::condition_variable wake;
  std::thread thread;

  std::atomic<bool> abortProbes{false};
  std::atomic<size_t> requests{0};
  std::atomic<size_t> retries{0};
  std::atomic<size_t> probes{0};
  std::atomic<size_t> healthWaits{0};
};

}  // namespace p11nethsm::transport
