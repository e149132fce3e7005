#pragma once
// A slot's cluster of instances: a load balancer over working instances, pooled libcurl
// handles per instance, retries by idempotency, and instance health (DESIGN.md
// transport/). Thread-safe; no lock is held across network I/O.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "transport/http.hpp"
#include "util/result.hpp"

namespace p11nethsm::transport {

enum class InstanceHealth { kUnknown, kWorking, kFailed };

class Exchanger;  // exchanger.hpp

struct ClusterOptions {
  // No background thread: CKF_LIBRARY_CANT_CREATE_OS_THREADS or disable_threads.
  // Failed instances are then probed inline (1 s timeout, at most 3 per call).
  bool threadsAllowed = true;
  // Path probed by the health checker; a 2xx answer means "working".
  std::string probePath = "/health/ready";
  // Interval at which working instances are probed too (silently dead ones).
  std::chrono::milliseconds workingProbeInterval{std::chrono::seconds(30)};
  // Waits before re-probing a failed instance, by consecutive failed probes; the
  // last value repeats. Tests shorten it.
  std::vector<std::chrono::milliseconds> failedProbeBackoff = defaultProbeBackoff();
  // Timeout of one background probe (capped by the slot's timeout_seconds).
  std::chrono::milliseconds probeTimeout{std::chrono::seconds(5)};
  // libcurl CURLOPT_RESOLVE entries "host:port:address" (tests connect to the
  // loopback mock under another name to check host-name verification).
  std::vector<std::string> resolveOverrides;
  // Carries the attempts and probes instead of libcurl (exchanger.hpp); empty: libcurl,
  // or the test exchanger when one is set (setExchangerForTests).
  std::shared_ptr<Exchanger> exchanger;

  static std::vector<std::chrono::milliseconds> defaultProbeBackoff();  // 1,1,2,5,10,60,300 s
};

// Counters for tests and benchmarks.
struct ClusterStats {
  size_t requests = 0;
  size_t retries = 0;
  size_t handlesCreated = 0;                // curl easy handles ever created
  size_t handlesDiscarded = 0;              // closed after a transport error or over the idle cap
  size_t probes = 0;                        // health probes sent (background and inline)
  size_t healthWaits = 0;                   // times the health thread went to sleep
  std::vector<size_t> requestsPerInstance;  // attempts sent to each instance
};

// Worst-case duration (docs/transport.md "Worst-case time of one call"): one PKCS#11
// call, all its send()s together, ends within
//   (retries.count + 1) × timeout_seconds + retries.count × retries.delay_seconds
// of its first request or of the last answer it received (util/call_deadline.hpp);
// attempts, delays and inline probes (without the health-checker thread) are cut to
// the time left; an attempt's wait for a free connection (max_connections) counts
// in its time. Outside a PKCS#11 call each send() has that bound alone. At most
// retries.count + 1 requests (+3 probes) are sent per send(). Nothing waits on a lock
// held by another thread's network I/O.
class Cluster {
 public:
  Cluster(const config::SlotConfig& slot, ClusterOptions options);
  ~Cluster();  // stops and joins the health-checker thread
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Sends the request to a working instance (balancer.hpp), retrying on another
  // instance per the slot's `retries` and the request's idempotency. Any HTTP status
  // is a successful Result; transport failures are ErrorKind::kTransport. A 412 moves
  // any request to the next instance (answered before processing); a 500/502/503/504
  // moves only a kSafe one, as does an answer the transport refuses (larger than the
  // request's maxResponseBytes, not HTTP: kMalformedResponse, the instance stays in
  // rotation). A kUnsafe request is resent after a transport error only when no byte
  // of it was written (connect, name or TLS failure).
  Result<Response> send(const Request& request);

  // Starts the background health checker (no-op without threads). Never does I/O
  // on the calling thread; called from C_Initialize.
  void start();
  // Stops and joins the health checker (C_Finalize, host exit). Idempotent; a second
  // caller while one stops waits until the thread is joined.
  void stop();

  // Last known health, no I/O.
  std::vector<InstanceHealth> health() const;
  bool anyInstanceUsable() const;  // not every instance kFailed
  size_t instanceCount() const;
  ClusterStats stats() const;
  // The slot's retry policy (the NetHSM client bounds its verify-then-retry loops
  // for key creation by it).
  const config::RetryConfig& retryPolicy() const;
  // The slot's timeout_seconds: what one call may take (the NetHSM client bounds its
  // waits for a throttled answer by it).
  std::chrono::milliseconds callTimeout() const;

  // In a forked child: forget every pooled connection and thread without touching
  // them (they belong to the parent).
  void abandonAfterFork();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p11nethsm::transport
