// Instance probes (GET probePath, a 2xx answer means working) and the background
// health-checker thread of a cluster (issue 4 §4). One thread per cluster; it sleeps
// on a condition variable until the next probe is due, so stop() wakes it at once.
#include <algorithm>
#include <optional>

#include "log/log.hpp"
#include "transport/cluster_impl.hpp"
#include "transport/exchange.hpp"
#include "transport/exchanger.hpp"
#include "transport/process_guard.hpp"

namespace p11nethsm::transport {

bool Cluster::Impl::probe(size_t instance, Millis timeout, const std::atomic<bool>* abort) {
  probes.fetch_add(1);
  Request request;
  request.method = Method::kGet;
  request.path = options.probePath;
  ExchangeLimits limits;
  limits.totalTimeoutMs = static_cast<long>(timeout.count());
  limits.connectTimeoutMs = limits.totalTimeoutMs;
  limits.abort = abort;
  HandlePool& pool = *pools[instance];
  ExchangeOutcome outcome;
  if (options.exchanger) {
    // The exchanger's deadlines are on the cluster's clock (exchanger.hpp), as attempts'.
    outcome =
        options.exchanger->exchange(instance, request, limits, options.clock->now() + timeout);
  } else {
    auto lease = pool.borrow(Clock::now() + timeout);  // waits like any caller (max_connections)
    if (!lease) return false;
    outcome = performExchange(lease->get(), pool.settings().baseUrl, request, limits);
    if (!outcome.result) lease->markBroken();
  }
  if (!outcome.result) {
    log::debug("probe of " + pool.settings().baseUrl +
               " failed: " + outcome.result.error().message);
    return false;
  }
  const long status = outcome.result->status;
  return status >= 200 && status < 300;
}

void Cluster::Impl::finishProbe(size_t instance, bool ok) {
  std::lock_guard lock(mutex);
  InstanceHealthTracker& tracker = trackers[instance];
  tracker.setProbing(false);
  const std::string& url = slot.instances[instance].url;
  if (ok) {
    if (tracker.recordSuccess(Clock::now())) log::info("instance " + url + " is working again");
  } else {
    if (tracker.recordFailure(Clock::now(), true)) {
      log::warn("instance " + url + " failed its health probe; taken out of rotation");
    }
  }
  if (!ok) pools[instance]->clearIdle();  // its idle connections are presumably dead
}

// No health thread: probe due failed instances on the caller's thread, 1 s each
// (less when the call has less time left), at most `budget` per call (seed 004:
// "inline" health checks).
void Cluster::Impl::inlineProbes(unsigned& budget, const std::function<long()>& millisLeft) {
  while (budget > 0) {
    const long left = millisLeft();
    if (left <= 0) return;
    std::optional<size_t> due;
    {
      std::lock_guard lock(mutex);
      const auto now = Clock::now();
      for (size_t i = 0; i < trackers.size(); ++i) {
        if (trackers[i].state() == InstanceHealth::kFailed && trackers[i].probeDue(now)) {
          trackers[i].setProbing(true);
          due = i;
          break;
        }
      }
    }
    if (!due) return;
    --budget;
    finishProbe(*due, probe(*due, std::min(kInlineProbeTimeout, Millis(left)), nullptr));
  }
}

bool Cluster::Impl::threadRunning() const { return running.load(); }

Millis Cluster::Impl::backgroundProbeTimeout() const {
  Millis timeout = options.probeTimeout;
  if (slot.timeoutSeconds > 0)
    timeout = std::min<Millis>(timeout, std::chrono::seconds(slot.timeoutSeconds));
  return timeout;
}

void Cluster::Impl::healthLoop() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    const auto now = Clock::now();
    std::optional<size_t> due;
    auto earliest = now + std::chrono::hours(1);
    for (size_t i = 0; i < trackers.size(); ++i) {
      if (trackers[i].probing()) continue;
      const auto at = trackers[i].nextProbe();
      if (at <= now) {
        due = i;
        break;
      }
      earliest = std::min(earliest, at);
    }
    if (!due) {
      healthWaits.fetch_add(1);
      // Idle connections beyond max_idle_connections close after their grace even
      // when no call comes to do it (handle_pool.hpp).
      earliest = std::min(earliest, now + kIdleTrimInterval);
      wake.wait_until(lock, earliest);
      lock.unlock();
      {
        ActivityScope activity(&abortProbes);  // closing connections runs OpenSSL: fork waits
        if (activity.entered())
          for (auto& pool : pools) pool->trimIdle();
      }
      lock.lock();
      continue;
    }
    trackers[*due].setProbing(true);
    lock.unlock();
    bool ok = false;
    {
      ActivityScope activity(&abortProbes);  // a fork() waits for the probe
      if (activity.entered()) ok = probe(*due, backgroundProbeTimeout(), &abortProbes);
    }
    if (abortProbes.load()) {
      // stop(): a probe cut short says nothing about the instance.
      lock.lock();
      trackers[*due].setProbing(false);
      break;
    }
    finishProbe(*due, ok);
    lock.lock();
  }
}

}  // namespace p11nethsm::transport
