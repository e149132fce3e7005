#pragma once
// The appliance side of one slot, built in one place (issue 10 §1): the cluster of
// NetHSM instances (transport::Cluster) and the typed client over it. core's Slot
// holds one and reaches the appliance only through it and nethsm's other headers,
// never through transport's.
#include <memory>

#include "config/config.hpp"
#include "nethsm/client.hpp"

namespace p11nethsm::nethsm {

// Counters of the slot's cluster, for tests and benchmarks (transport/cluster.hpp).
using ClusterStats = transport::ClusterStats;

struct ConnectionOptions {
  // No health-checker thread: CKF_LIBRARY_CANT_CREATE_OS_THREADS or disable_threads.
  bool threadsAllowed = true;
};

class Connection {
 public:
  // `slot` and `credentials` must outlive the connection. No I/O (C_Initialize).
  Connection(const config::SlotConfig& slot, const CredentialSource& credentials,
             ConnectionOptions options);
  ~Connection();  // the client first, then the cluster (the client uses it)
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Client& client() { return *client_; }

  // The background health checker (no-op without threads); never I/O on the caller.
  void start();
  // Stops and joins it (C_Finalize, host exit). Idempotent.
  void stop();
  // Last known health, no I/O: not every instance is known failed.
  bool anyInstanceUsable() const;
  ClusterStats stats() const;
  // In a forked child: forget the parent's connections and threads untouched.
  void abandonAfterFork();

 private:
  std::unique_ptr<transport::Cluster> cluster_;
  std::unique_ptr<Client> client_;
};

}  // namespace p11nethsm::nethsm
