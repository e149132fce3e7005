#pragma once
// mock-nethsm as a child process of the benchmark: the emulator runs in its own process
// (like an appliance on the network), so the benchmark's RSS and CPU profile are the
// module's alone. Provisioning, key creation and the counters go over its REST and
// /_mock control interfaces, as an administrator and a test harness would.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "p11nethsm_test/provisioned_mock.hpp"

namespace p11nethsm::bench {

// The test suites' passphrases (one set everywhere).
inline constexpr const char* kAdminPass = testing::kAdminPassword;
inline constexpr const char* kOperatorPass = testing::kOperatorPassword;

struct MockInstance {
  std::string url;          // https://127.0.0.1:PORT/api/v1
  std::string controlBase;  // https://127.0.0.1:PORT/_mock
  std::string fingerprint;  // sha256 pin
};

struct Counters {
  uint64_t tcpConnections = 0;
  uint64_t tlsHandshakes = 0;
  uint64_t requests = 0;
  uint64_t endpoint(const std::string& name) const;
  std::vector<std::pair<std::string, uint64_t>> endpoints;
};

class MockProcess {
 public:
  // `args`: extra command line flags (e.g. --instances 3 --serial).
  MockProcess(const std::string& binary, std::vector<std::string> args);
  ~MockProcess();
  MockProcess(const MockProcess&) = delete;
  MockProcess& operator=(const MockProcess&) = delete;

  bool ok() const { return pid_ > 0 && !instances_.empty(); }
  const std::vector<MockInstance>& instances() const { return instances_; }

  // POST /provision and PUT /users/operator (skipped when already provisioned).
  bool provision();
  // POST /keys/generate as admin; `type` e.g. "EC_P256", mechanisms as the API names.
  bool generateKey(const std::string& id, const std::string& type,
                   const std::vector<std::string>& mechanisms, unsigned length = 0);
  // The same on the caller's own connection (one HttpClient per thread).
  bool generateKey(HttpClient& client, const std::string& id, const std::string& type,
                   const std::vector<std::string>& mechanisms, unsigned length = 0) const;
  Counters counters(size_t instance) const;
  void resetCounters();
  void setLatency(size_t instance, unsigned fixedMs);
  // Peak resident set of the mock process (VmHWM), for the report.
  long residentKb() const;
  // CPU time (user + system) the mock process has used so far.
  double cpuSeconds() const;

 private:
  bool readListening(int fd);
  pid_t pid_ = -1;
  std::vector<MockInstance> instances_;
  mutable HttpClient http_;  // the control connection: one thread at a time
};

}  // namespace p11nethsm::bench
