#include "mock_process.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

extern char** environ;

namespace p11nethsm::bench {
namespace {

size_t instanceCount(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--instances") return static_cast<size_t>(std::stoul(args[i + 1]));
  return 1;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

uint64_t Counters::endpoint(const std::string& name) const {
  for (const auto& [key, count] : endpoints)
    if (key == name) return count;
  return 0;
}

MockProcess::MockProcess(const std::string& binary, std::vector<std::string> args) {
  args.insert(args.begin(), {binary, "--port", "0"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  const size_t expected = instanceCount(args);
  while (pid_ > 0 && instances_.size() < expected && readListening(out[0])) {
  }
  close(out[0]);
  if (instances_.size() != expected) instances_.clear();
}

// One "listening https://127.0.0.1:PORT sha256=AB:..." line (mock-nethsm/README.md).
bool MockProcess::readListening(int fd) {
  std::string line;
  char c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    if (read(fd, &c, 1) != 1) return false;
    if (c != '\n') {
      line += c;
      continue;
    }
    const auto sp = line.find(' '), sha = line.find(" sha256=");
    if (line.rfind("listening ", 0) != 0 || sha == std::string::npos) return false;
    const std::string base = line.substr(sp + 1, sha - sp - 1);
    instances_.push_back({base + "/api/v1", base + "/_mock", line.substr(sha + 8)});
    return true;
  }
  return false;
}

MockProcess::~MockProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

bool MockProcess::provision() {
  const std::string& api = instances_.at(0).url;
  nlohmann::json p{{"unlockPassphrase", testing::kUnlockPassphrase},
                   {"adminPassphrase", kAdminPass},
                   {"systemTime", utcNow()}};
  const long provisioned = http_.request("POST", api + "/provision", p.dump()).status;
  if (provisioned != 204 && provisioned != 412) return false;  // 412: from a state file
  nlohmann::json user{
      {"realName", "Operator"}, {"role", "Operator"}, {"passphrase", kOperatorPass}};
  const long created =
      http_.request("PUT", api + "/users/operator", user.dump(), std::string("admin:") + kAdminPass)
          .status;
  return created == 201 || created == 409;
}

bool MockProcess::generateKey(const std::string& id, const std::string& type,
                              const std::vector<std::string>& mechanisms, unsigned length) {
  return generateKey(http_, id, type, mechanisms, length);
}

bool MockProcess::generateKey(HttpClient& client, const std::string& id, const std::string& type,
                              const std::vector<std::string>& mechanisms, unsigned length) const {
  nlohmann::json body{{"type", type}, {"mechanisms", mechanisms}, {"id", id}};
  if (length != 0) body["length"] = length;
  const long status = client
                          .request("POST", instances_.at(0).url + "/keys/generate", body.dump(),
                                   std::string("admin:") + kAdminPass)
                          .status;
  return status == 201;
}

Counters MockProcess::counters(size_t instance) const {
  Counters c;
  auto answer = http_.request(
      "GET", instances_.at(0).controlBase + "/counters?instance=" + std::to_string(instance));
  if (answer.status != 200) return c;
  auto j = nlohmann::json::parse(answer.body, nullptr, false);
  if (j.is_discarded()) return c;
  c.tcpConnections = j.value("tcpConnections", uint64_t{0});
  c.tlsHandshakes = j.value("tlsHandshakes", uint64_t{0});
  c.requests = j.value("requests", uint64_t{0});
  const auto endpoints = j.find("endpoints");
  if (endpoints != j.end() && endpoints->is_object())
    for (const auto& [name, count] : endpoints->items())
      c.endpoints.emplace_back(name, count.get<uint64_t>());
  return c;
}

void MockProcess::resetCounters() {
  http_.request("POST", instances_.at(0).controlBase + "/counters/reset", "{}");
}

void MockProcess::setLatency(size_t instance, unsigned fixedMs) {
  http_.request("POST",
                instances_.at(0).controlBase + "/latency?instance=" + std::to_string(instance) +
                    "&fixed=" + std::to_string(fixedMs),
                "{}");
}

double MockProcess::cpuSeconds() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // proc(5): fields 14 and 15
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long MockProcess::residentKb() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmHWM:" && status >> value) return value;
  }
  return 0;
}

}  // namespace p11nethsm::bench
