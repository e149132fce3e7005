#pragma once
// Test fixture: an in-process mock-nethsm cluster over real TLS (loopback only),
// provisioned with an administrator and an operator, and the slot configuration
// that reaches it. Shared by tests/integration/cluster and tests/integration/nethsm.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "mock_nethsm/mock.hpp"
#include "nethsm/client.hpp"
#include "transport/cluster.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::testing {

inline constexpr const char* kAdminPassphrase = "Administrator-pass";
inline constexpr const char* kOperatorPassphrase = "Operator-pass-1";
inline constexpr const char* kUnlockPassphrase = "Unlock-pass-123";

// Credentials per role, changeable by the test (like C_Login / C_Logout would).
class TestCredentials : public nethsm::CredentialSource {
 public:
  std::optional<transport::BasicAuth> credentialsFor(nethsm::Role role) const override {
    return role == nethsm::Role::kOperator ? operator_ : admin_;
  }
  std::optional<transport::BasicAuth> operator_ =
      transport::BasicAuth{"operator", SecretString(kOperatorPassphrase)};
  std::optional<transport::BasicAuth> admin_ =
      transport::BasicAuth{"admin", SecretString(kAdminPassphrase)};
};

inline config::Sha256Fingerprint parseFingerprint(const std::string& text) {
  config::Sha256Fingerprint fp{};
  auto bytes = hexDecode(text, true);
  if (bytes && bytes->size() == fp.size()) std::copy(bytes->begin(), bytes->end(), fp.begin());
  return fp;
}

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

// Until every instance has answered once: a mock stopped before its server thread
// entered accept() would never stop (cpp-httplib ignores stop() before listening).
inline bool waitUntilServing(const mock::MockNetHsm& hsm) {
  config::SlotConfig slot;
  for (size_t i = 0; i < hsm.instanceCount(); ++i) {
    config::InstanceConfig instance;
    instance.url = hsm.baseUrl(i);
    instance.dangerInsecureCert = true;
    slot.instances = {instance};
    transport::ClusterOptions options;
    options.threadsAllowed = false;
    transport::Cluster cluster(slot, options);
    transport::Request request;
    request.path = "/info";
    bool served = false;
    for (int attempt = 0; attempt < 100 && !served; ++attempt) {
      auto r = cluster.send(request);
      served = r.ok() && r->status == 200;
      if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!served) return false;
  }
  return true;
}

inline std::unique_ptr<mock::MockNetHsm> startMock(int instances,
                                                   const std::string& firmware = "4.0") {
  mock::MockOptions options;
  options.instances = instances;
  options.firmware = firmware;
  auto hsm = std::make_unique<mock::MockNetHsm>(options);
  if (!hsm->start() || !waitUntilServing(*hsm)) return nullptr;
  hsm->provision(kAdminPassphrase, kUnlockPassphrase);
  hsm->addUser("operator", "Operator", kOperatorPassphrase);
  return hsm;
}

// One slot reaching every instance of `hsm`, each pinned to its certificate.
inline config::SlotConfig slotFor(const mock::MockNetHsm& hsm, unsigned retries = 0) {
  config::SlotConfig slot;
  slot.retries.count = retries;
  slot.label = "test";
  for (size_t i = 0; i < hsm.instanceCount(); ++i) {
    config::InstanceConfig instance;
    instance.url = hsm.baseUrl(i);
    instance.sha256Fingerprints.push_back(parseFingerprint(hsm.certificateFingerprint(i)));
    slot.instances.push_back(instance);
  }
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
