#pragma once
// A slot's cluster of instances: round robin over working instances, pooled libcurl
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

struct ClusterOptions {
  // No background thread: CKF_LIBRARY_CANT_CREATE_OS_THREADS or disable_threads.
  // Failed instances are then probed inline (1 s timeout, at most 3 per call).
  bool threadsAllowed = true;
  // Path probed by the health checker; a 2xx answer means "working".
  std::string probePath = "/health/ready";
  // Interval at which working instances are probed too (silently dead ones).
  std::chrono::milliseconds workingProbeInterval{std::chrono::seconds(30)};
};

// Counters for tests and benchmarks.
struct ClusterStats {
  size_t requests = 0;
  size_t retries = 0;
  size_t handlesCreated = 0;  // curl easy handles ever created
};

class Cluster {
 public:
  Cluster(const config::SlotConfig& slot, ClusterOptions options);
  ~Cluster();  // stops and joins the health-checker thread
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Sends the request to a working instance (round robin), retrying on another
  // instance per the slot's `retries` and the request's idempotency. Any HTTP status
  // is a successful Result; transport failures are ErrorKind::kTransport. A 5xx or 412
  // from one instance moves a kSafe request to the next instance.
  Result<Response> send(const Request& request);

  // Starts the background health checker (no-op without threads). Never does I/O
  // on the calling thread; called from C_Initialize.
  void start();
  // Stops and joins the health checker (C_Finalize). Idempotent.
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
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p11nethsm::transport
