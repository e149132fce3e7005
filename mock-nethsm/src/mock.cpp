// MockNetHsm (mock.hpp): a cluster of Instances over one SharedCore, plus the
// ClusterControl the /_mock interface uses.
#include "mock_nethsm/mock.hpp"

#include <condition_variable>
#include <csignal>
#include <iostream>

#include "control.hpp"
#include "instance.hpp"

namespace p11nethsm::mock {

struct MockNetHsm::Impl : ClusterControl {
  explicit Impl(MockOptions opts)
      : options(std::move(opts)),
        core(options.stateFile, Firmware::parse(options.firmware).value_or(Firmware{})),
        router(buildApiRouter()) {
    core.control = this;
  }
  ~Impl() override { stopAll(); }

  MockOptions options;
  SharedCore core;
  Router router;
  std::vector<std::unique_ptr<InstanceState>> states;
  std::vector<std::unique_ptr<Instance>> instances;
  std::mutex helperMutex;
  std::vector<std::thread> helpers;  // timed/asynchronous down-up from /_mock
  std::condition_variable helperCv;
  bool stopping = false;
  bool started = false;

  bool startAll();
  void stopAll();

  size_t controlInstanceCount() const override { return instances.size(); }
  void controlAddFault(size_t i, const FaultRule& rule) override { states[i]->faults.add(rule); }
  void controlClearFaults(size_t i) override { states[i]->faults.clear(); }
  void controlSetLatency(size_t i, std::chrono::milliseconds fixed,
                         std::chrono::milliseconds randomExtra) override {
    states[i]->faults.setLatency(fixed, randomExtra);
  }
  void controlSetDown(size_t i, bool down, int seconds) override {
    // Runs on a helper thread: the request asking for it is served by that instance.
    std::lock_guard<std::mutex> lock(helperMutex);
    helpers.emplace_back([this, i, down, seconds] {
      instances[i]->setDown(down);
      if (down && seconds > 0) {
        std::unique_lock<std::mutex> wait(helperMutex);
        if (helperCv.wait_for(wait, std::chrono::seconds(seconds), [this] { return stopping; }))
          return;
        wait.unlock();
        instances[i]->setDown(false);
      }
    });
  }
  bool controlSwitchCertificate(size_t i) override {
    auto id = TlsIdentity::selfSigned();
    if (!id) return false;
    instances[i]->setIdentity(*id);
    return true;
  }
  std::string controlFingerprint(size_t i) const override {
    return instances[i]->identity().fingerprint();
  }
  MockCounters controlCounters(size_t i) const override {
    const auto& s = *states[i];
    return MockCounters{s.tcpConnections.load(), s.tlsHandshakes.load(), s.requests.load()};
  }
  std::map<std::string, uint64_t> controlEndpointCounts(size_t i) const override {
    std::lock_guard<std::mutex> lock(states[i]->endpointMutex);
    return states[i]->endpointCounts;
  }
  void controlResetCounters() override {
    for (auto& s : states) {
      s->tcpConnections = 0;
      s->tlsHandshakes = 0;
      s->requests = 0;
      std::lock_guard<std::mutex> lock(s->endpointMutex);
      s->endpointCounts.clear();
    }
  }
};

bool MockNetHsm::Impl::startAll() {
  if (!Firmware::parse(options.firmware)) {
    std::cerr << "mock-nethsm: unknown firmware version " << options.firmware << "\n";
    return false;
  }
  std::string error;
  if (!core.store.load(error)) {
    std::cerr << "mock-nethsm: " << error << "\n";
    return false;
  }
  // A reset or closed peer must not kill the process while httplib writes.
  std::signal(SIGPIPE, SIG_IGN);
  std::optional<TlsIdentity> identity;
  if (!options.tlsCertFile.empty()) {
    identity = TlsIdentity::fromFiles(options.tlsCertFile, options.tlsKeyFile, error);
  } else {
    identity = TlsIdentity::selfSigned();
    if (!identity) error = "cannot create a self-signed certificate";
  }
  if (!identity) {
    std::cerr << "mock-nethsm: " << error << "\n";
    return false;
  }
  int count = options.instances > 0 ? options.instances : 1;
  for (int i = 0; i < count; ++i) {
    auto state = std::make_unique<InstanceState>();
    state->index = static_cast<size_t>(i);
    state->serial = options.serial;
    state->serviceTime = options.serviceTime;
    // Each member of a self-signed cluster has its own certificate, like real appliances.
    if (i > 0 && options.tlsCertFile.empty()) identity = TlsIdentity::selfSigned();
    if (!identity) return false;
    auto inst = std::make_unique<Instance>(core, router, *state, *identity, options.bindAddress,
                                           options.workerThreads, options.maxWorkerThreads);
    // The first instance takes --port; the others pick free ports (or --port + i).
    int port = i == 0 || options.port == 0 ? (i == 0 ? options.port : 0) : options.port + i;
    if (!inst->start(port, error)) {
      std::cerr << "mock-nethsm: " << error << "\n";
      return false;
    }
    states.push_back(std::move(state));
    instances.push_back(std::move(inst));
  }
  started = true;
  return true;
}

void MockNetHsm::Impl::stopAll() {
  for (auto& s : states) s->faults.shutdown();
  std::vector<std::thread> pending;
  {
    std::lock_guard<std::mutex> lock(helperMutex);
    stopping = true;
    pending.swap(helpers);
  }
  helperCv.notify_all();
  for (auto& t : pending) t.join();
  for (auto& inst : instances) inst->stop();
  if (started) {  // fold the journal (and the operations counters) into the snapshot
    std::lock_guard<std::mutex> lock(core.store.mutex());
    core.store.persistAllLocked();
    started = false;
  }
}

MockNetHsm::MockNetHsm(MockOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MockNetHsm::~MockNetHsm() = default;

bool MockNetHsm::start() { return impl_->startAll(); }
void MockNetHsm::stop() { impl_->stopAll(); }
size_t MockNetHsm::instanceCount() const { return impl_->instances.size(); }
int MockNetHsm::port(size_t instance) const { return impl_->instances.at(instance)->port(); }

std::string MockNetHsm::baseUrl(size_t instance) const {
  std::string host = impl_->options.bindAddress;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(port(instance)) + "/api/v1";
}

std::string MockNetHsm::certificateFingerprint(size_t instance) const {
  return impl_->instances.at(instance)->identity().fingerprint();
}

std::string MockNetHsm::certificatePem(size_t instance) const {
  return impl_->instances.at(instance)->identity().certificatePem();
}

void MockNetHsm::provision(const std::string& adminPassphrase,
                           const std::string& unlockPassphrase) {
  impl_->core.store.provision(adminPassphrase, unlockPassphrase);
}

void MockNetHsm::addUser(const std::string& userId, const std::string& role,
                         const std::string& passphrase) {
  impl_->core.store.addUser(userId, role, passphrase);
}

MockCounters MockNetHsm::counters(size_t instance) const {
  return impl_->controlCounters(instance);
}

uint64_t MockNetHsm::endpointCount(size_t instance, const std::string& endpoint) const {
  auto counts = impl_->controlEndpointCounts(instance);
  auto it = counts.find(endpoint);
  return it == counts.end() ? 0 : it->second;
}

void MockNetHsm::resetCounters() { impl_->controlResetCounters(); }
void MockNetHsm::addFault(size_t instance, FaultRule rule) {
  impl_->controlAddFault(instance, rule);
}
void MockNetHsm::clearFaults(size_t instance) { impl_->controlClearFaults(instance); }

void MockNetHsm::setLatency(size_t instance, std::chrono::milliseconds fixed,
                            std::chrono::milliseconds randomExtra) {
  impl_->controlSetLatency(instance, fixed, randomExtra);
}

void MockNetHsm::setInstanceDown(size_t instance, bool down) {
  impl_->instances.at(instance)->setDown(down);
}

std::string MockNetHsm::switchCertificate(size_t instance) {
  return impl_->controlSwitchCertificate(instance) ? certificateFingerprint(instance) : "";
}

}  // namespace p11nethsm::mock
