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
#include "util/clock.hpp"
#include "util/result.hpp"

namespace p11nethsm::transport {

enum class InstanceHealth { kUnknown, kWorking, kFailed };

class Exchanger;  // exchanger.hpp
class RetryLoop;  // retry_loop.cpp

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
  // The retry loop's time and waits (util/clock.hpp): the call deadline, the delays
  // between attempts, the 429 waits and the deadline handed to the exchanger. Empty:
  // hostClock(). The health checker and libcurl keep real time.
  std::shared_ptr<Clock> clock;

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

// steady_clock, and waits that end at once when the host exits (process_guard.hpp).
std::shared_ptr<Clock> hostClock();

// Worst-case duration (docs/transport.md "Worst-case time of one call"). One send()
// is one retry loop with one budget:
//   bound = (retries.count + 1) × timeout_seconds + retries.count × retries.delay_seconds
// Everything it does ends within `bound` of its start: every attempt (its wait for a
// free connection included), every retry delay, every 429 wait, every inline probe
// (without the health-checker thread) and every "did it take effect?" check of a
// kUnsafe request is cut to the time left, and nothing starts that the time left
// cannot hold. One PKCS#11 call, all its send()s together, also ends within `bound`
// of its first request or of the last answer it received (util/call_deadline.hpp).
// Requests per send(): at most retries.count + 1 failed attempts, plus one resend per
// 429 wait (nethsm's waits are at least 100 ms), plus for a kUnsafe request one check
// after each ambiguous attempt (its requests inside the same budget), plus at most 3
// inline probes. Nothing waits
// on a lock held by another thread's network I/O.
class Cluster {
 public:
  Cluster(const config::SlotConfig& slot, ClusterOptions options);
  ~Cluster();  // stops and joins the health-checker thread
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Sends the request to a working instance (balancer.hpp), retrying on another
  // instance per the slot's `retries` and the request's idempotency (retry_loop.cpp).
  // Any HTTP status is a successful Result; transport failures are
  // ErrorKind::kTransport. A 412 moves any request to the next instance (answered
  // before processing); a 500/502/503/504 moves only a kSafe one, as does an answer
  // the transport refuses (larger than the request's maxResponseBytes, not HTTP:
  // kMalformedResponse, the instance stays in rotation). A kUnsafe request is resent
  // after a transport error only when no byte of it was written (connect, name or TLS
  // failure), or after an ambiguous failure when its tookEffect check says it did not
  // take effect. An answer that request.retryLater reads as "later" (429) is waited
  // out and the request sent again, without counting as a failed attempt.
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

  // In a forked child: forget every pooled connection and thread without touching
  // them (they belong to the parent).
  void abandonAfterFork();

 private:
  friend class RetryLoop;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p11nethsm::transport
