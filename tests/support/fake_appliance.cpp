#include "p11nethsm_test/fake_appliance.hpp"

#include "p11nethsm_test/mock_environment.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::testing {
namespace {

using transport::ExchangeOutcome;
using transport::Method;

const char* methodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::string pathOnly(const std::string& path) { return path.substr(0, path.find('?')); }

mock::InProcessRequest toInProcess(const transport::Request& request) {
  mock::InProcessRequest r;
  r.method = methodName(request.method);
  r.target = "/api/v1" + request.path;
  if (request.auth) {
    const std::string pair = request.auth->username + ":" + request.auth->password.reveal();
    r.headers.emplace_back("Authorization", "Basic " + base64Encode(pair));
  }
  if (!request.contentType.empty()) r.headers.emplace_back("Content-Type", request.contentType);
  if (!request.accept.empty()) r.headers.emplace_back("Accept", request.accept);
  r.body = request.body;
  return r;
}

// What the cluster sees from libcurl in each case (exchange.cpp classifyFailure).
ExchangeOutcome transportError(const std::string& path, const char* what, bool neverSent) {
  ExchangeOutcome outcome;
  outcome.result = makeError(ErrorKind::kTransport, pathOnly(path) + ": " + what + " (fake)");
  outcome.neverSent = neverSent;
  return outcome;
}

ExchangeOutcome badAnswer(const std::string& path, const char* what) {
  ExchangeOutcome outcome;
  outcome.result = makeError(ErrorKind::kMalformedResponse, pathOnly(path) + ": " + what);
  outcome.badAnswer = true;
  return outcome;
}

ExchangeOutcome answered(transport::Response response) {
  ExchangeOutcome outcome;
  outcome.result = std::move(response);
  return outcome;
}

transport::Response fromInProcess(const mock::InProcessAnswer& answer) {
  transport::Response response;
  response.status = answer.status;
  response.body = answer.body;
  response.contentType = answer.header("Content-Type");
  if (transport::answerMayCarryRetryAfter(response.status))
    response.retryAfter = answer.header("Retry-After");
  return response;
}

}  // namespace

FakeAppliance::FakeAppliance(FakeOptions options)
    : appliance_(mock::InProcessOptions{options.firmware, options.instances}) {
  appliance_.provision(kAdminPassword, kUnlockPassphrase);
  appliance_.addUser("operator", "Operator", kOperatorPassword);
}

void FakeAppliance::addRule(FakeRule rule) {
  std::lock_guard lock(mutex_);
  std::regex regex(rule.pathRegex.empty() ? std::string(".*") : rule.pathRegex);
  rules_.push_back(ActiveRule{std::move(rule), std::move(regex)});
}

void FakeAppliance::clearRules() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

std::vector<JournalEntry> FakeAppliance::journal() const {
  std::lock_guard lock(mutex_);
  return journal_;
}

void FakeAppliance::clearJournal() {
  std::lock_guard lock(mutex_);
  journal_.clear();
}

size_t FakeAppliance::count(const std::string& method, const std::string& pathRegex) const {
  const std::regex regex(pathRegex);
  size_t n = 0;
  for (const auto& entry : journal())
    if (entry.method == method && std::regex_match(pathOnly(entry.path), regex)) ++n;
  return n;
}

mock::InProcessAnswer FakeAppliance::asAdmin(const std::string& method, const std::string& path,
                                             const std::string& jsonBody) {
  mock::InProcessRequest r;
  r.method = method;
  r.target = "/api/v1" + path;
  const std::string pair = std::string("admin:") + kAdminPassword;
  r.headers.emplace_back("Authorization", "Basic " + base64Encode(pair));
  if (!jsonBody.empty()) r.headers.emplace_back("Content-Type", "application/json");
  r.body = jsonBody;
  return appliance_.handle(0, r);
}

std::string FakeAppliance::publicKeyPem(const std::string& id) {
  auto answer = asAdmin("GET", "/keys/" + id + "/public.pem");
  return answer.status == 200 ? answer.body : std::string();
}

std::optional<FakeRule> FakeAppliance::takeRule(size_t instance,
                                                const transport::Request& request) {
  std::lock_guard lock(mutex_);
  const std::string path = pathOnly(request.path);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    const FakeRule& rule = it->rule;
    if (rule.instance >= 0 && static_cast<size_t>(rule.instance) != instance) continue;
    if (!rule.method.empty() && rule.method != methodName(request.method)) continue;
    if (!std::regex_match(path, it->regex)) continue;
    FakeRule hit = rule;
    if (it->rule.count > 0 && --it->rule.count == 0) rules_.erase(it);
    return hit;
  }
  return std::nullopt;
}

void FakeAppliance::record(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  journal_.push_back(std::move(entry));
}

// A rule that acts before the appliance sees the request; nullopt for the others.
std::optional<ExchangeOutcome> FakeAppliance::failBefore(const FakeRule& rule,
                                                         const transport::Request& request,
                                                         JournalEntry& entry) {
  switch (rule.failure) {
    case FakeFailure::kStatus: {
      entry.status = rule.status;
      entry.delivered = true;
      record(entry);
      transport::Response response;
      response.status = rule.status;
      response.retryAfter = rule.retryAfter;
      return answered(std::move(response));
    }
    case FakeFailure::kNeverSent:
      record(entry);
      return transportError(request.path, "Couldn't connect to server", true);
    case FakeFailure::kTimeout:
      record(entry);
      return transportError(request.path, "Timeout was reached", false);
    default:
      return std::nullopt;
  }
}

// The appliance processed the request; `rule` (if any) then loses or spoils its answer.
ExchangeOutcome FakeAppliance::afterProcessing(const std::optional<FakeRule>& rule,
                                               const transport::Request& request,
                                               const mock::InProcessAnswer& answer) {
  const std::string& path = request.path;
  using Connection = mock::InProcessAnswer::Connection;
  if (answer.connection == Connection::kReset)
    return transportError(path, "Connection reset by peer", false);
  if (answer.connection == Connection::kStalled)
    return transportError(path, "Timeout was reached", false);
  if (answer.connection == Connection::kClosedAfterProcessing)
    return transportError(path, "Empty reply from server", false);
  if (rule && rule->failure == FakeFailure::kLostAnswer)
    return transportError(path, "Recv failure: Connection reset by peer", false);
  if (rule && rule->failure == FakeFailure::kTimeoutProcessed)
    return transportError(path, "Timeout was reached", false);
  if (rule) return badAnswer(path, "not an HTTP answer (fake)");
  const size_t cap = request.maxResponseBytes != 0 ? request.maxResponseBytes
                                                   : transport::kDefaultMaxResponseBytes;
  if (answer.body.size() > cap) return badAnswer(path, "answer larger than the cap");
  return answered(fromInProcess(answer));
}

// Never waits: a timeout is answered at once with what curl reports after the time.
ExchangeOutcome FakeAppliance::exchange(size_t instance, const transport::Request& request,
                                        const transport::ExchangeLimits& limits,
                                        std::chrono::steady_clock::time_point deadline) {
  JournalEntry entry;
  entry.instance = instance;
  entry.method = methodName(request.method);
  entry.path = request.path;
  if (request.auth) entry.user = request.auth->username;
  if ((limits.abort != nullptr && limits.abort->load()) ||
      std::chrono::steady_clock::now() >= deadline) {
    record(entry);
    return transportError(request.path, "Timeout was reached", false);
  }
  const auto rule = takeRule(instance, request);
  if (rule) {
    if (auto early = failBefore(*rule, request, entry)) return std::move(*early);
  }
  const auto answer = appliance_.handle(instance, toInProcess(request));
  using Connection = mock::InProcessAnswer::Connection;
  const bool processed = answer.connection == Connection::kAnswered ||
                         answer.connection == Connection::kClosedAfterProcessing;
  entry.status = processed ? answer.status : 0;
  entry.delivered = !rule && answer.connection == Connection::kAnswered;
  record(entry);
  return afterProcessing(rule, request, answer);
}

}  // namespace p11nethsm::testing
