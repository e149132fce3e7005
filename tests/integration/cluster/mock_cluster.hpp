#pragma once
// Test fixture: an in-process mock-nethsm cluster over real TLS (loopback only),
// provisioned with an administrator and an operator, and the slot configuration
// that reaches it. Shared by tests/integration/cluster and tests/integration/nethsm.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mock_nethsm/mock.hpp"
#include "nethsm/client.hpp"
#include "p11nethsm_test/provisioned_mock.hpp"
#include "transport/cluster.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::testing {

// A PEM file that lives as long as the object (for ca_file).
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/p11nethsm-test-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<mock::MockNetHsm> startMock(int instances,
                                                   const std::string& firmware = "4.0") {
  mock::MockOptions options;
  options.instances = instances;
  options.firmware = firmware;
  return startProvisionedMock(options);
}

// One slot reaching every instance of `hsm`, each pinned to its certificate.
inline config::SlotConfig slotFor(const mock::MockNetHsm& hsm, unsigned retries = 0) {
  config::SlotConfig slot = pinnedSlotFor(hsm);
  slot.retries.count = retries;
  slot.timeoutSeconds = 5;
  slot.connectTimeoutSeconds = 2;
  return slot;
}

// An Ed25519 key made through the client (fast on the mock); "" on failure.
inline std::string generateEdKey(nethsm::Client& client, const std::string& id = {},
                                 std::optional<std::string> label = {}) {
  nethsm::GenerateKeyRequest request;
  request.type = nethsm::KeyType::kCurve25519;
  request.mechanisms = {nethsm::KeyMechanism::kEdDsaSignature};
  request.id = id;
  request.label = std::move(label);
  auto r = client.generateKey(request);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::string();
}

// A cluster on `slot` with a client and one Ed25519 key; the mock's counters are reset
// once the key exists, so that a test counts only its own requests.
struct SigningClient {
  SigningClient(mock::MockNetHsm& hsm, const config::SlotConfig& slot,
                transport::ClusterOptions options = {})
      : cluster(slot, options), client(cluster, credentials), keyId(generateEdKey(client)) {
    hsm.resetCounters();
  }
  TestCredentials credentials;
  transport::Cluster cluster;
  nethsm::Client client;
  std::string keyId;
};

// `threads` threads each signing `signs` times with the key; returns the failures.
inline size_t signFromThreads(SigningClient& signer, int threads, int signs) {
  std::atomic<size_t> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < signs; ++i)
        if (!signer.client.sign(signer.keyId, nethsm::SignMode::kEdDsa, toBytes("x")).ok())
          failures++;
    });
  }
  for (auto& t : pool) t.join();
  return failures.load();
}

// Test-speed health checking: quick backoff and probes (issue 4 acceptance timing).
inline transport::ClusterOptions fastOptions() {
  transport::ClusterOptions options;
  options.workingProbeInterval = std::chrono::milliseconds(300);
  options.failedProbeBackoff = {std::chrono::milliseconds(200)};
  options.probeTimeout = std::chrono::milliseconds(500);
  return options;
}

// No health thread; failed instances stay out for `backoff` (inline probes only after).
inline transport::ClusterOptions withoutThreads(
    std::chrono::milliseconds backoff = std::chrono::seconds(60)) {
  transport::ClusterOptions options = fastOptions();
  options.threadsAllowed = false;
  options.failedProbeBackoff = {backoff};
  return options;
}

}  // namespace p11nethsm::testing
