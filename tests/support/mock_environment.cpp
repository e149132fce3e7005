#include "p11nethsm_test/mock_environment.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace p11nethsm::testing {

MockEnvironment::MockEnvironment(EnvironmentOptions options) {
  mock::MockOptions mo;
  mo.instances = options.instances;
  mo.firmware = options.firmware;
  mock_ = startProvisionedMock(mo);
  if (!mock_) return;
  configPath_ = makeConfigPath();
  if (configPath_.empty()) return;
  writeConfig(options);

  adminSlot_ = pinnedSlotFor(*mock_, options.label);
  transport::ClusterOptions co;
  co.threadsAllowed = false;
  cluster_ = std::make_unique<transport::Cluster>(adminSlot_, co);
  credentials_.operator_.reset();
  adminClient_ = std::make_unique<nethsm::Client>(*cluster_, credentials_);
  adminClient_->setFirmwareVersion(
      nethsm::parseFirmwareVersion(options.firmware).value_or(nethsm::FirmwareVersion{4, 0}));
  ok_ = true;
}

MockEnvironment::~MockEnvironment() {
  adminClient_.reset();
  cluster_.reset();
  if (!configPath_.empty()) {
    unsetenv("P11NETHSM_CONFIG_FILE");
    std::remove(configPath_.c_str());
  }
  if (mock_) mock_->stop();
}

std::string makeConfigPath() {
  char path[] = "/tmp/p11nethsm-test-XXXXXX.conf";
  int fd = mkstemps(path, 5);
  if (fd < 0) return {};
  close(fd);
  return path;
}

void writeModuleConfig(const std::string& path, const EnvironmentOptions& o,
                       const std::vector<ConfigInstance>& instances) {
  std::ofstream out(path, std::ios::trunc);
  out << o.extraTopLevelYaml;
  out << "slots:\n  - label: \"" << o.label << "\"\n";
  out << "    operator:\n      username: \"operator\"\n";
  if (o.operatorPasswordInConfig) out << "      password: \"" << kOperatorPassword << "\"\n";
  if (o.adminInConfig) {
    out << "    administrator:\n      username: \"admin\"\n";
    if (o.adminPasswordInConfig) out << "      password: \"" << kAdminPassword << "\"\n";
  }
  out << "    instances:\n";
  for (const auto& instance : instances) {
    out << "      - url: \"" << instance.url << "\"\n";
    if (!instance.fingerprint.empty())
      out << "        sha256_fingerprints:\n          - \"" << instance.fingerprint << "\"\n";
  }
  out << o.extraSlotYaml;
  out.close();
  setenv("P11NETHSM_CONFIG_FILE", path.c_str(), 1);
}

void MockEnvironment::writeConfig(const EnvironmentOptions& o) {
  std::vector<ConfigInstance> instances;
  for (int i = 0; i < o.instances; ++i) {
    const auto index = static_cast<size_t>(i);
    instances.push_back({mock_->baseUrl(index), mock_->certificateFingerprint(index)});
  }
  writeModuleConfig(configPath_, o, instances);
}

std::string MockEnvironment::generateKey(nethsm::KeyType type, const std::string& id,
                                         unsigned length) {
  nethsm::GenerateKeyRequest request;
  request.type = type;
  request.mechanisms = nethsm::mechanismsAllowedFor(type);
  request.length = length;
  request.id = id;
  auto generated = adminClient_->generateKey(request);
  return generated ? generated.value() : std::string();
}

}  // namespace p11nethsm::testing

namespace p11nethsm::testing {

long MockEnvironment::adminRequest(transport::Method method, const std::string& path,
                                   const std::string& body) {
  transport::Request request;
  request.method = method;
  request.path = path;
  request.body = body;
  if (method != transport::Method::kGet) request.contentType = "application/json";
  request.auth = transport::BasicAuth{"admin", SecretString(kAdminPassword)};
  request.idempotency = transport::Idempotency::kUnsafe;
  auto response = cluster_->send(request);
  return response ? response->status : 0;
}

bool MockEnvironment::addNamespacedOperator(const std::string& ns, const std::string& user,
                                            const std::string& passphrase) {
  std::string body =
      "{\"realName\":\"" + user + "\",\"role\":\"Operator\",\"passphrase\":\"" + passphrase + "\"}";
  long created = adminRequest(transport::Method::kPut, "/users/" + ns + "~" + user, body);
  long nsCreated = adminRequest(transport::Method::kPut, "/namespaces/" + ns, "");
  if (created == 201 && (nsCreated == 204 || nsCreated == 201)) return true;
  std::fprintf(stderr, "namespaced operator: PUT user %ld, PUT namespace %ld\n", created,
               nsCreated);
  return false;
}

}  // namespace p11nethsm::testing
