#pragma once
// A provisioned in-process mock NetHSM and a module configuration pointing at it
// (P11NETHSM_CONFIG_FILE set for the lifetime of the object). For tests of every
// area that need the module or the client against a live appliance emulation.
#include <memory>
#include <string>
#include <vector>

#include "mock_nethsm/mock.hpp"
#include "nethsm/client.hpp"
#include "p11nethsm_test/provisioned_mock.hpp"
#include "transport/cluster.hpp"

namespace p11nethsm::testing {

struct EnvironmentOptions {
  std::string label = "NetHSM";
  int instances = 1;
  std::string firmware = "4.0";
  bool operatorPasswordInConfig = true;  // false: must come from C_Login
  bool adminPasswordInConfig = true;
  bool adminInConfig = true;
  std::string extraTopLevelYaml;  // e.g. "enable_set_attribute_value: true\n"
  std::string extraSlotYaml;      // indented by 4 spaces, e.g. "    certificate_format: DER\n"
};

// One instance of the configured slot: its URL and, when not empty, the pinned
// SHA-256 fingerprint of its certificate.
struct ConfigInstance {
  std::string url;
  std::string fingerprint;
};

// A fresh temporary file for a module configuration; "" on failure.
std::string makeConfigPath();
// Writes the configuration of `options` with `instances` to `path` and sets
// P11NETHSM_CONFIG_FILE to it (the fake appliance's fixture uses it too).
void writeModuleConfig(const std::string& path, const EnvironmentOptions& options,
                       const std::vector<ConfigInstance>& instances);

class MockEnvironment {
 public:
  explicit MockEnvironment(EnvironmentOptions options = {});
  ~MockEnvironment();
  MockEnvironment(const MockEnvironment&) = delete;
  MockEnvironment& operator=(const MockEnvironment&) = delete;

  bool ok() const { return ok_; }
  mock::MockNetHsm& mock() { return *mock_; }
  const std::string& configPath() const { return configPath_; }
  // Writes the configuration again (e.g. after changing options) and re-exports it.
  void writeConfig(const EnvironmentOptions& options);

  // Administrator client on the mock (key set-up without the module).
  nethsm::Client& admin() { return *adminClient_; }
  // POST /keys/generate; returns the ID (empty on failure).
  std::string generateKey(nethsm::KeyType type, const std::string& id, unsigned length = 0);
  // PUT /users/{ns~user} then PUT /namespaces/{ns}, as a root administrator would.
  bool addNamespacedOperator(const std::string& ns, const std::string& user,
                             const std::string& passphrase);
  // Any request as the administrator; returns the HTTP status (0 on transport error).
  long adminRequest(transport::Method method, const std::string& path, const std::string& body);

 private:
  bool ok_ = false;
  std::unique_ptr<mock::MockNetHsm> mock_;
  std::string configPath_;
  config::SlotConfig adminSlot_;
  TestCredentials credentials_;  // the administrator only
  std::unique_ptr<transport::Cluster> cluster_;
  std::unique_ptr<nethsm::Client> adminClient_;
};

}  // namespace p11nethsm::testing
