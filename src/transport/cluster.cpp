#include "transport/cluster.hpp"

#include <algorithm>
#include <thread>

#include "log/log.hpp"
#include "transport/cluster_impl.hpp"
#include "transport/exchange.hpp"
#include "transport/exchanger.hpp"

namespace p11nethsm::transport {

namespace {

// 412 (locked, unprovisioned) means "this instance cannot serve now": it leaves the
// rotation until /health/ready says otherwise. A 5xx does not: the firmware also
// answers 503 for one request's unhandled exception (BEHAVIOUR.md §4, e.g. RAW
// decryption of 0), and one bad input must not take every instance out.
bool instanceUnavailable(long status) { return status == 412; }

std::mutex testExchangerMutex;
std::shared_ptr<Exchanger> testExchanger;

ClusterOptions withDefaults(ClusterOptions options) {
  if (!options.exchanger) options.exchanger = exchangerForTests();
  if (!options.clock) options.clock = hostClock();
  return options;
}
}  // namespace

void setExchangerForTests(std::shared_ptr<Exchanger> exchanger) {
  std::lock_guard lock(testExchangerMutex);
  testExchanger = std::move(exchanger);
}

std::shared_ptr<Exchanger> exchangerForTests() {
  std::lock_guard lock(testExchangerMutex);
  return testExchanger;
}

Cluster::Impl::Impl(const config::SlotConfig& slotConfig, ClusterOptions clusterOptions,
                    bool afterFork)
    : slot(slotConfig),
      options(withDefaults(std::move(clusterOptions))),
      balancer(slot.instances.size()) {
  pools.reserve(slot.instances.size());
  trackers.reserve(slot.instances.size());
  for (size_t i = 0; i < slot.instances.size(); ++i) {
    PoolSettings settings = PoolSettings::forInstance(slot, i, options.resolveOverrides);
    settings.announceInsecure = !afterFork;
    pools.push_back(std::make_unique<HandlePool>(std::move(settings)));
    trackers.emplace_back(options.failedProbeBackoff, options.workingProbeInterval);
  }
  attemptsPerInstance.assign(slot.instances.size(), 0);
}

// The balancer's choice among instances not known to have failed (balancer.hpp); when
// all have failed, the next one in turn is tried anyway rather than failing without
// trying. A retry avoids the instance of the failed attempt.
size_t Cluster::Impl::pickInstance(std::optional<size_t> avoid) {
  std::lock_guard lock(mutex);
  usable.resize(trackers.size());  // a member: no allocation per request
  for (size_t i = 0; i < trackers.size(); ++i)
    usable[i] = trackers[i].state() != InstanceHealth::kFailed;
  const size_t chosen = balancer.choose(usable, avoid);
  balancer.started(chosen);
  ++attemptsPerInstance[chosen];
  return chosen;
}

void Cluster::Impl::attemptDone(size_t instance, std::optional<std::chrono::microseconds> latency) {
  std::lock_guard lock(mutex);
  balancer.finished(instance, latency);
}

void Cluster::Impl::recordOutcomeLocked(size_t instance, bool failed, const std::string& reason) {
  const auto now = Clock::now();
  const std::string& url = slot.instances[instance].url;
  if (failed) {
    if (trackers[instance].recordFailure(now, false)) {
      log::warn("instance " + url + " taken out of rotation: " + reason);
      wake.notify_all();  // the health checker schedules its first re-probe
    }
  } else if (trackers[instance].recordSuccess(now)) {
    log::info("instance " + url + " answers again");
  }
}

// One attempt, bounded by `timeoutMs` from its start (the request's or the slot's
// timeout, cut to what the call has left): the wait for a free connection
// (max_connections) and the exchange share it.
Result<Response> Cluster::Impl::attempt(size_t instance, const Request& request, long timeoutMs,
                                        bool& neverSent) {
  neverSent = false;
  const auto start = Clock::now();
  const auto deadline = timeoutMs > 0 ? start + Millis(timeoutMs) : Clock::time_point::max();
  ExchangeLimits limits;
  limits.connectTimeoutMs = millisOf(slot.connectTimeoutSeconds);
  if (options.exchanger) {
    limits.totalTimeoutMs = std::max<long>(0, timeoutMs);
    const auto until =
        timeoutMs > 0 ? options.clock->now() + Millis(timeoutMs) : Clock::time_point::max();
    ExchangeOutcome outcome = options.exchanger->exchange(instance, request, limits, until);
    return finishAttempt(instance, request, std::move(outcome), nullptr, start, neverSent);
  }
  HandlePool& pool = *pools[instance];
  auto lease = pool.borrow(deadline);
  if (!lease) {
    attemptDone(instance, std::nullopt);
    neverSent = true;  // no connection, nothing sent: another instance may take it
    log::warn(lease.error().message);
    return lease.error();
  }
  if (timeoutMs > 0) {  // what the wait left of the attempt's time, at least 1 ms
    const auto waited = std::chrono::duration_cast<Millis>(Clock::now() - start).count();
    limits.totalTimeoutMs = std::max<long>(1, timeoutMs - static_cast<long>(waited));
  }
  const auto sent = Clock::now();
  return finishAttempt(instance, request,
                       performExchange(lease->get(), pool.settings().baseUrl, request, limits),
                       &*lease, sent, neverSent);
}

// The outcome of one attempt: health, the balancer's latency, a broken handle dropped.
Result<Response> Cluster::Impl::finishAttempt(size_t instance, const Request& request,
                                              ExchangeOutcome outcome, HandlePool::Lease* lease,
                                              Clock::time_point sent, bool& neverSent) {
  if (!outcome.result) {
    if (lease != nullptr) lease->markBroken();  // this handle only; siblings keep theirs
    neverSent = outcome.neverSent;
    attemptDone(instance, std::nullopt);
    // An answer we refuse says the instance is up (and odd), not that it is down.
    if (outcome.badAnswer) return outcome.result;
    std::lock_guard lock(mutex);
    recordOutcomeLocked(instance, true, outcome.result.error().message);
    return std::move(outcome.result);
  }
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
  outcome.result->instanceIndex = instance;
  const long status = outcome.result->status;
  if (log::enabled(log::Level::kDebug)) {
    log::debug("instance " + std::to_string(instance) + ": " + request.path + " -> " +
               std::to_string(status));
  }
  std::lock_guard lock(mutex);
  balancer.finished(instance, latency);
  recordOutcomeLocked(instance, instanceUnavailable(status), "HTTP " + std::to_string(status));
  return std::move(outcome.result);
}

Cluster::Cluster(const config::SlotConfig& slot, ClusterOptions options)
    : impl_(std::make_unique<Impl>(slot, std::move(options), false)) {}

Cluster::~Cluster() {
  if (impl_) stop();
}

void Cluster::start() {
  Impl& d = *impl_;
  if (!d.options.threadsAllowed || d.pools.empty()) return;
  std::lock_guard lock(d.mutex);
  if (d.running) return;
  try {
    d.thread = std::thread([&d] { d.healthLoop(); });
    d.running = true;
  } catch (const std::system_error& e) {
    // Without the thread, failed instances are probed inline (still correct).
    log::warn(std::string("cannot start the health checker thread: ") + e.what());
  }
}

// C_Finalize and the host-exit handler (core/host_exit.cpp) may stop at the same time:
// one joins, the other waits for it, so the thread is gone when either returns.
void Cluster::stop() {
  Impl& d = *impl_;
  std::unique_lock lock(d.mutex);
  if (!d.running) return;
  if (d.stopping) {
    d.wake.wait(lock, [&d] { return !d.running; });
    return;
  }
  d.stopping = true;
  d.abortProbes.store(true);  // a probe in flight gives up at its next progress tick
  lock.unlock();
  d.wake.notify_all();
  d.thread.join();
  lock.lock();
  d.running = false;
  d.stopping = false;
  d.abortProbes.store(false);
  d.wake.notify_all();
}

std::vector<InstanceHealth> Cluster::health() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<InstanceHealth> out;
  for (const auto& t : impl_->trackers) out.push_back(t.state());
  return out;
}

bool Cluster::anyInstanceUsable() const {
  auto states = health();
  return std::any_of(states.begin(), states.end(),
                     [](InstanceHealth h) { return h != InstanceHealth::kFailed; });
}

size_t Cluster::instanceCount() const { return impl_->pools.size(); }

ClusterStats Cluster::stats() const {
  const Impl& d = *impl_;
  ClusterStats s;
  s.requests = d.requests.load();
  s.retries = d.retries.load();
  s.probes = d.probes.load();
  s.healthWaits = d.healthWaits.load();
  for (const auto& pool : d.pools) {
    s.handlesCreated += pool->created();
    s.handlesDiscarded += pool->discarded();
  }
  std::lock_guard lock(d.mutex);
  s.requestsPerInstance = d.attemptsPerInstance;
  return s;
}

void Cluster::abandonAfterFork() {
  // The parent's handles, sockets, TLS state, mutexes and thread are not ours:
  // the old state is leaked untouched (no destructor, no join, no unlock) and a
  // fresh one built from the same configuration; start() may follow.
  Impl* inherited = impl_.release();
  impl_ = std::make_unique<Impl>(inherited->slot, inherited->options, true);
}

}  // namespace p11nethsm::transport
