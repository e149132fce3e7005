#pragma once
// In-process API of mock-nethsm: tests start it on port 0 and talk to it over real
// TLS. The CLI (main.cpp) is a thin wrapper around the same class.
// Stable contract: other areas' tests use everything declared here.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace p11nethsm::mock {

struct MockOptions {
  std::string bindAddress = "127.0.0.1";
  int port = 0;             // 0: a free port (first instance; others also pick free)
  int instances = 1;        // cluster members sharing one store
  std::string stateFile;    // empty: in memory only
  std::string tlsCertFile;  // empty: fresh self-signed certificate
  std::string tlsKeyFile;
  std::string firmware = "4.0";
  // Threads serving connections, per instance: a keep-alive connection holds one for
  // its life (cpp-httplib), so the pool grows from workerThreads up to
  // maxWorkerThreads as connections arrive; beyond that, connections wait.
  int workerThreads = 16;
  int maxWorkerThreads = 1024;
  // Like a small appliance: each instance serves one /api/v1 request at a time and
  // spends `serviceTime` on each (cluster benchmarks).
  bool serial = false;
  std::chrono::milliseconds serviceTime{0};
};

// Counters per instance, for tests and benchmarks.
struct MockCounters {
  uint64_t tcpConnections = 0;
  uint64_t tlsHandshakes = 0;
  uint64_t requests = 0;
};

// Fault injection (no root needed). Rules apply per instance, to requests whose path
// (below /api/v1, e.g. "/keys/k1/sign") matches `pathRegex` (empty: every path).
enum class FaultKind {
  kFailStatus,           // answer `status` with an empty body without processing
  kReset,                // reset the TCP connection (RST) instead of answering
  kStall,                // accept and read the request, never answer (until cleared)
  kCloseAfterProcessing  // process the request (e.g. commit a key), then close the
                         // connection before the answer is sent
};

struct FaultRule {
  FaultKind kind = FaultKind::kFailStatus;
  std::string pathRegex;  // ECMAScript regex matched against the whole path
  int count = -1;         // how many matching requests it hits; -1: until cleared
  int status = 503;       // for kFailStatus
};

class MockNetHsm {
 public:
  explicit MockNetHsm(MockOptions options);
  ~MockNetHsm();
  MockNetHsm(const MockNetHsm&) = delete;
  MockNetHsm& operator=(const MockNetHsm&) = delete;

  // Binds and serves in background threads; false (and a message on stderr) on error.
  // Sets SIGPIPE to SIG_IGN process-wide (reset/close faults make writes fail).
  bool start();
  void stop();

  size_t instanceCount() const;
  int port(size_t instance = 0) const;
  std::string baseUrl(size_t instance = 0) const;  // https://127.0.0.1:PORT/api/v1
  // SHA-256 of the DER server certificate, "AB:CD:..." (sha256_fingerprints format).
  std::string certificateFingerprint(size_t instance = 0) const;
  std::string certificatePem(size_t instance = 0) const;

  // Test set-up without HTTP: provision (state Operational, user "admin" with
  // `adminPassphrase`) and add users. Roles: "Administrator", "Operator", ...
  void provision(const std::string& adminPassphrase, const std::string& unlockPassphrase);
  void addUser(const std::string& userId, const std::string& role, const std::string& passphrase);

  MockCounters counters(size_t instance = 0) const;
  // Requests served per endpoint "METHOD /path-template", e.g. "POST /keys/{id}/sign".
  uint64_t endpointCount(size_t instance, const std::string& endpoint) const;
  void resetCounters();

  void addFault(size_t instance, FaultRule rule);
  void clearFaults(size_t instance);
  // Added latency before each answer: fixed + uniform random in [0, randomExtra].
  void setLatency(size_t instance, std::chrono::milliseconds fixed,
                  std::chrono::milliseconds randomExtra = std::chrono::milliseconds(0));
  // Down: the instance's port refuses connections and open connections are closed.
  // Up again: listens on the same port.
  void setInstanceDown(size_t instance, bool down);
  // Replaces the instance's TLS certificate by a fresh self-signed one (new
  // connections see it); returns the new fingerprint, empty on failure.
  std::string switchCertificate(size_t instance);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p11nethsm::mock
