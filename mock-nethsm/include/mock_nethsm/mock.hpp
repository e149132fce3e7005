#pragma once
// In-process API of mock-nethsm: tests start it on port 0 and talk to it over real
// TLS. The CLI (main.cpp) is a thin wrapper around the same class.
// Stable contract: other areas' tests use everything declared here.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace p11nethsm::mock {

struct MockOptions {
  std::string bindAddress = "127.0.0.1";
  int port = 0;            // 0: a free port (first instance; others also pick free)
  int instances = 1;       // cluster members sharing one store
  std::string stateFile;   // empty: in memory only
  std::string tlsCertFile; // empty: fresh self-signed certificate
  std::string tlsKeyFile;
  std::string firmware = "4.0";
  int workerThreads = 16;
};

// Counters per instance, for tests and benchmarks.
struct MockCounters {
  uint64_t tcpConnections = 0;
  uint64_t tlsHandshakes = 0;
  uint64_t requests = 0;
};

class MockNetHsm {
 public:
  explicit MockNetHsm(MockOptions options);
  ~MockNetHsm();
  MockNetHsm(const MockNetHsm&) = delete;
  MockNetHsm& operator=(const MockNetHsm&) = delete;

  // Binds and serves in background threads; false (and a message on stderr) on error.
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
  void addUser(const std::string& userId, const std::string& role,
               const std::string& passphrase);

  MockCounters counters(size_t instance = 0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p11nethsm::mock
