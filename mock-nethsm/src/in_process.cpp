// InProcessNetHsm (in_process.hpp): the HTTPS mock's serve path (serve.hpp) fed with
// a request built in memory, as cpp-httplib's server would have parsed it.
#include "mock_nethsm/in_process.hpp"

#include <httplib.h>
#include <strings.h>

#include <stdexcept>

#include "api_context.hpp"
#include "router.hpp"
#include "serve.hpp"

namespace p11nethsm::mock {
namespace {

Firmware parseFirmware(const std::string& version) {
  auto fw = Firmware::parse(version);
  if (!fw) throw std::invalid_argument("unknown firmware version " + version);
  return *fw;
}

// What httplib's server fills in from the request line and headers.
httplib::Request parsedRequest(const InProcessRequest& request) {
  httplib::Request req;
  req.method = request.method;
  req.target = request.target;
  const size_t query = request.target.find('?');
  req.path = httplib::detail::decode_url(request.target.substr(0, query), false);
  if (query != std::string::npos)
    httplib::detail::parse_query_text(request.target.substr(query + 1), req.params);
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  req.body = request.body;
  req.remote_addr = "127.0.0.1";
  return req;
}

}  // namespace

std::string InProcessAnswer::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  return {};
}

struct InProcessNetHsm::Impl {
  explicit Impl(const InProcessOptions& options)
      : core("", parseFirmware(options.firmware)), router(buildApiRouter()) {
    std::string error;
    if (!core.store.load(error)) throw std::runtime_error(error);
    const int count = options.instances > 0 ? options.instances : 1;
    for (int i = 0; i < count; ++i) {
      states.push_back(std::make_unique<InstanceState>());
      states.back()->index = static_cast<size_t>(i);
    }
  }
  SharedCore core;
  Router router;
  std::vector<std::unique_ptr<InstanceState>> states;
};

InProcessNetHsm::InProcessNetHsm(InProcessOptions options)
    : impl_(std::make_unique<Impl>(options)) {}
InProcessNetHsm::~InProcessNetHsm() {
  for (auto& s : impl_->states) s->faults.shutdown();
}

size_t InProcessNetHsm::instanceCount() const { return impl_->states.size(); }

void InProcessNetHsm::provision(const std::string& adminPassphrase,
                                const std::string& unlockPassphrase) {
  impl_->core.store.provision(adminPassphrase, unlockPassphrase);
}

void InProcessNetHsm::addUser(const std::string& userId, const std::string& role,
                              const std::string& passphrase) {
  impl_->core.store.addUser(userId, role, passphrase);
}

void InProcessNetHsm::addFault(size_t instance, FaultRule rule) {
  impl_->states.at(instance)->faults.add(rule);
}

void InProcessNetHsm::clearFaults(size_t instance) { impl_->states.at(instance)->faults.clear(); }

void InProcessNetHsm::endRateLimitWindows() {
  for (auto& s : impl_->states) s->rateLimiter.expireAll();
}

// A stalled request returns at once (kStalled): the caller decides what its client
// would have seen after its timeout; nothing here waits.
InProcessAnswer InProcessNetHsm::handle(size_t instance, const InProcessRequest& request) {
  InstanceState& state = *impl_->states.at(instance);
  const httplib::Request req = parsedRequest(request);
  httplib::Response res;
  InProcessAnswer answer;
  using C = InProcessAnswer::Connection;
  ConnectionActions actions{[&answer] { answer.connection = C::kReset; },
                            [&answer] { answer.connection = C::kStalled; },
                            [&answer] { answer.connection = C::kClosedAfterProcessing; }};
  serveRequest(impl_->core, impl_->router, state, req, res, request.body, {}, actions);
  answer.status = res.status;
  answer.headers.assign(res.headers.begin(), res.headers.end());
  answer.body = res.body;
  return answer;
}

std::vector<StoredKey> InProcessNetHsm::keys() const {
  Store& store = impl_->core.store;
  std::lock_guard<std::mutex> lock(store.mutex());
  std::vector<StoredKey> out;
  for (const auto& [ns, byId] : store.keys)
    for (const auto& [id, key] : byId) out.push_back(StoredKey{ns, id, key.label});
  return out;
}

uint64_t InProcessNetHsm::endpointCount(size_t instance, const std::string& endpoint) const {
  InstanceState& state = *impl_->states.at(instance);
  std::lock_guard<std::mutex> lock(state.endpointMutex);
  auto it = state.endpointCounts.find(endpoint);
  return it == state.endpointCounts.end() ? 0 : it->second;
}

}  // namespace p11nethsm::mock
