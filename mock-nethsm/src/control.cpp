#include "control.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "faults.hpp"

namespace p11nethsm::mock {
namespace {

long param(const httplib::Request& req, const char* name, long fallback) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::stol(req.get_param_value(name));
  } catch (const std::exception&) {
    return fallback;
  }
}

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

nlohmann::json countersJson(ClusterControl& control, size_t instance) {
  MockCounters c = control.controlCounters(instance);
  return {{"instance", instance},
          {"tcpConnections", c.tcpConnections},
          {"tlsHandshakes", c.tlsHandshakes},
          {"requests", c.requests},
          {"endpoints", control.controlEndpointCounts(instance)}};
}

bool addFault(const httplib::Request& req, ClusterControl& control, size_t instance) {
  auto kind = parseFaultKind(req.get_param_value("kind"));
  if (!kind) return false;
  FaultRule rule;
  rule.kind = *kind;
  rule.pathRegex = req.get_param_value("path");
  rule.count = static_cast<int>(param(req, "count", -1));
  rule.status = static_cast<int>(param(req, "status", 503));
  try {
    std::regex check(rule.pathRegex.empty() ? ".*" : rule.pathRegex);
  } catch (const std::regex_error&) {
    return false;
  }
  control.controlAddFault(instance, rule);
  return true;
}

}  // namespace

bool isLoopback(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

void handleControl(const httplib::Request& req, httplib::Response& res, ClusterControl& control) {
  const std::string op = req.path.substr(7);  // after "/_mock/"
  long index = param(req, "instance", 0);
  if (index < 0 || static_cast<size_t>(index) >= control.controlInstanceCount()) {
    return reply(res, 400, {{"message", "no such instance"}});
  }
  size_t i = static_cast<size_t>(index);
  bool post = req.method == "POST";
  if (op == "instances" && !post) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t n = 0; n < control.controlInstanceCount(); ++n) {
      out.push_back({{"instance", n}, {"sha256", control.controlFingerprint(n)}});
    }
    return reply(res, 200, out);
  }
  if (op == "counters" && !post) return reply(res, 200, countersJson(control, i));
  if (!post) return reply(res, 405, {{"message", "use POST"}});
  if (op == "counters/reset") {
    control.controlResetCounters();
  } else if (op == "fault") {
    if (!addFault(req, control, i)) return reply(res, 400, {{"message", "bad kind or path regex"}});
  } else if (op == "faults/clear") {
    control.controlClearFaults(i);
  } else if (op == "latency") {
    control.controlSetLatency(i, std::chrono::milliseconds(param(req, "fixed", 0)),
                              std::chrono::milliseconds(param(req, "random", 0)));
  } else if (op == "down") {
    control.controlSetDown(i, true, static_cast<int>(param(req, "seconds", 0)));
  } else if (op == "up") {
    control.controlSetDown(i, false, 0);
  } else if (op == "tls/rotate") {
    if (!control.controlSwitchCertificate(i)) return reply(res, 500, {{"message", "failed"}});
    return reply(res, 200, {{"sha256", control.controlFingerprint(i)}});
  } else {
    return reply(res, 404, {{"message", "unknown control operation"}});
  }
  reply(res, 200, {{"ok", true}});
}

}  // namespace p11nethsm::mock
