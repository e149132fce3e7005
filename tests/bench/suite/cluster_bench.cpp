// Cluster scaling: instances that serve one request at a time for 2 ms (mock-nethsm
// --serial --service-time 2), 12 signing threads through the module; 3 instances vs 1,
// then the same 3 with one instance answering 40 ms late.
#include <algorithm>
#include <memory>

#include "bench.hpp"
#include "module_driver.hpp"
#include "runner.hpp"

namespace p11nethsm::bench {
namespace {

constexpr size_t kThreads = 12;
constexpr unsigned kServiceMs = 2;
constexpr unsigned kLateMs = 40;

struct ClusterRun {
  double opsPerSecond = 0;
  uint64_t failures = 0;
  std::vector<uint64_t> share;  // sign requests per instance
};

ClusterRun signOn(const BenchOptions& o, MockProcess& mock, const ModuleDriver& module,
                  const ModuleDriver::KeySessions& opened, size_t threads = kThreads) {
  const std::vector<unsigned char> message(32, 0x42);
  const auto duration =
      std::chrono::milliseconds(static_cast<long>(o.secondsPerRun * 1000 * o.rounds));
  mock.resetCounters();
  RunResult r = runClosedLoop(threads, duration, [&](size_t t) -> ThreadOp {
    auto signature = std::make_shared<std::vector<unsigned char>>();
    signature->reserve(128);
    return [&module, &message, session = opened.sessions[t], key = opened.keys[t], signature] {
      return module.sign(session, key, CKM_EDDSA, message, *signature);
    };
  });
  ClusterRun run{r.opsPerSecond(), r.failures, {}};
  for (size_t i = 0; i < mock.instances().size(); ++i)
    run.share.push_back(mock.counters(i).endpoint("POST /keys/{id}/sign"));
  return run;
}

std::string shares(const ClusterRun& run) {
  uint64_t total = 0;
  for (auto s : run.share) total += s;
  std::string out;
  for (auto s : run.share) {
    if (!out.empty()) out += " / ";
    out += std::to_string(total ? (100 * s + total / 2) / total : 0) + "%";
  }
  return out;
}

// Runs `measure` against a fresh serial mock of `instances` members with one
// Ed25519 key and a module whose 12 sessions already hold its handle.
template <class Fn>
bool withCluster(const BenchOptions& o, int instances, Fn&& measure) {
  MockProcess mock(o.mockBinary, {"--instances", std::to_string(instances), "--serial",
                                  "--service-time", std::to_string(kServiceMs)});
  if (!mock.ok() || !mock.provision() ||
      !mock.generateKey("clusterkey", "Curve25519", {"EdDSA_Signature"}))
    return false;
  ModuleDriver module(o.modulePath, mock);
  if (!module.ok()) return false;
  const auto opened = module.keySessions(kThreads, "clusterkey");
  if (opened.sessions.empty()) return false;
  measure(mock, module, opened);
  module.closeSessions(opened);
  return true;
}

// The most the late case can give with kThreads callers that each wait for their
// answer (PKCS#11 calls are synchronous), over every way of spreading them: an
// instance with f callers serves at most f / cycle (a caller is never faster than
// alone: `cycleMs` is what one caller alone measured, service plus its own
// turnaround) and at most `capacity` (what one instance served alone, all callers
// queued); the late instance's cycle is kLateMs longer.
double lateCaseBound(double capacity, double cycleMs) {
  auto served = [&](size_t callers, double cycle) {
    return std::min(capacity, static_cast<double>(callers) * 1000.0 / cycle);
  };
  double best = 0;
  for (size_t f1 = 0; f1 <= kThreads; ++f1) {
    for (size_t f2 = 0; f1 + f2 <= kThreads; ++f2) {
      best = std::max(best, served(f1, cycleMs) + served(f2, cycleMs) +
                                served(kThreads - f1 - f2, cycleMs + kLateMs));
    }
  }
  return best;
}

}  // namespace

bool runClusterBench(const BenchOptions& o) {
  ClusterRun alone, one, even, late;
  const bool single =
      withCluster(o, 1, [&](MockProcess& mock, const ModuleDriver& module, const auto& opened) {
        alone = signOn(o, mock, module, opened, 1);
        one = signOn(o, mock, module, opened);
      });
  if (!single) return false;
  const bool ok =
      withCluster(o, 3, [&](MockProcess& mock, const ModuleDriver& module, const auto& opened) {
        even = signOn(o, mock, module, opened);
        mock.setLatency(2, kLateMs);
        late = signOn(o, mock, module, opened);
      });
  if (!ok) return false;
  const double scaling = one.opsPerSecond > 0 ? even.opsPerSecond / one.opsPerSecond : 0;
  const double lateRatio = even.opsPerSecond > 0 ? late.opsPerSecond / even.opsPerSecond : 0;
  const double cycleMs = alone.opsPerSecond > 0 ? 1000.0 / alone.opsPerSecond : kServiceMs;
  const double ceiling = lateCaseBound(one.opsPerSecond, cycleMs);
  std::printf(
      "\n## Cluster: instances serving one request at a time for %u ms, %zu signing threads\n\n",
      kServiceMs, kThreads);
  std::printf("| run | sign/s | requests per instance | failures | figure | goal | met |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::printf("| 1 instance, 1 thread | %.0f | %s | %llu | %.2f ms per request | | |\n",
              alone.opsPerSecond, shares(alone).c_str(),
              static_cast<unsigned long long>(alone.failures), cycleMs);
  std::printf("| 1 instance | %.0f | %s | %llu | | | |\n", one.opsPerSecond, shares(one).c_str(),
              static_cast<unsigned long long>(one.failures));
  std::printf("| 3 instances | %.0f | %s | %llu | %.2f x one instance | >= 2.8 x | %s |\n",
              even.opsPerSecond, shares(even).c_str(),
              static_cast<unsigned long long>(even.failures), scaling, verdict(scaling >= 2.8));
  std::printf(
      "| 3 instances, #3 answers %u ms late | %.0f | %s | %llu | %.2f of the even cluster | "
      ">= 0.85 | %s |\n",
      kLateMs, late.opsPerSecond, shares(late).c_str(),
      static_cast<unsigned long long>(late.failures), lateRatio, verdict(lateRatio >= 0.85));
  const double bound = even.opsPerSecond > 0 ? ceiling / even.opsPerSecond : 0;
  std::printf(
      "\nUpper bound for the late case, any balancer, %zu callers that each wait for their "
      "answer: an instance serves at most its callers / %.2f ms (one caller alone) and at most "
      "the %.0f sign/s one instance served alone, the late one's cycle is %u ms longer; the "
      "best spread of the callers gives %.0f sign/s = %.2f of this even cluster%s.\n",
      kThreads, cycleMs, one.opsPerSecond, kLateMs, ceiling, bound,
      bound < 0.85 ? " (below the goal: no balancer can reach it here)" : "");
  return true;
}

}  // namespace p11nethsm::bench
