// Signing through the module next to a bare libcurl keep-alive client on the same mock
// in the same run, per key type and thread count. Runs alternate (module, bare, bare,
// module, ...) so that a neighbour's load spike hits both sides alike.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>
#include <string>

#include "bench.hpp"
#include "module_driver.hpp"
#include "runner.hpp"

namespace p11nethsm::bench {
namespace {

struct KeySpec {
  const char* name;
  const char* id;
  const char* apiType;
  const char* apiMechanism;
  CK_MECHANISM_TYPE mechanism;
  const char* mode;  // POST /keys/{id}/sign "mode"
  std::vector<unsigned char> input;
};

// CKM_RSA_PKCS input: the DER DigestInfo of a SHA-256 hash (RFC 8017 §9.2), which
// the module sends as is in PKCS1 mode (firmware ≥ 3.1) and so does the bare client.
std::vector<unsigned char> sha256DigestInfo() {
  static constexpr unsigned char kPrefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                              0x01, 0x05, 0x00, 0x04, 0x20};
  // Sized once, then filled: growing the vector trips GCC 12's -Warray-bounds false
  // positive at -O3.
  std::vector<unsigned char> v(sizeof(kPrefix) + 32, 0x5a);
  std::copy(std::begin(kPrefix), std::end(kPrefix), v.begin());
  return v;
}

std::vector<KeySpec> keySpecs() {
  return {{"P-256", "benchp256", "EC_P256", "ECDSA_Signature", CKM_ECDSA, "ECDSA",
           std::vector<unsigned char>(32, 0x5a)},
          {"Ed25519", "benched25519", "Curve25519", "EdDSA_Signature", CKM_EDDSA, "EdDSA",
           std::vector<unsigned char>(32, 0x5a)},
          {"RSA-2048", "benchrsa", "RSA", "RSA_Signature_PKCS1", CKM_RSA_PKCS, "PKCS1",
           sha256DigestInfo()}};
}

struct Cell {
  const KeySpec* spec = nullptr;
  size_t threads = 0;
  RunResult module, bare;
  double mockCpuModule = 0, mockCpuBare = 0;  // mock CPU seconds during each side's runs
  uint64_t handshakes = 0, signRequests = 0;
  // module ÷ bare per round: how far a neighbour's load moves the figure in this run.
  std::vector<double> roundRatios;
};

// "median (lowest-highest)" of the per-round ratios.
std::string roundSpread(std::vector<double> ratios) {
  if (ratios.empty()) return "-";
  std::sort(ratios.begin(), ratios.end());
  const size_t n = ratios.size();
  const double median = n % 2 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f (%.2f-%.2f)", median, ratios.front(), ratios.back());
  return text;
}

// 95 % confidence interval of the module/bare ratio from the per-round ratios: the
// mean of their logarithms ± Student's t (two-sided, n-1 degrees of freedom) times its
// standard error. An interval that holds 0.95 means this run cannot tell the cell's
// miss (or pass) from the machine's noise.
std::string ratioInterval(const std::vector<double>& ratios) {
  static constexpr double kT975[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447,
                                     2.365, 2.306,  2.262, 2.228, 2.201, 2.179, 2.160,
                                     2.145, 2.131,  2.120, 2.110, 2.101, 2.093, 2.086};
  const size_t n = ratios.size();
  // A round without a module signature has ratio 0, which has no logarithm.
  if (n < 2 || *std::min_element(ratios.begin(), ratios.end()) <= 0) return "-";
  std::vector<double> logs;
  for (double r : ratios) logs.push_back(std::log(r));
  double sum = 0, squares = 0;
  for (double l : logs) sum += l;
  const double mean = sum / static_cast<double>(n);
  for (double l : logs) squares += (l - mean) * (l - mean);
  const double stderrOfMean =
      std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n));
  const double t = n - 1 < std::size(kT975) ? kT975[n - 1] : 1.96;
  char text[48];
  std::snprintf(text, sizeof(text), "%.2f-%.2f", std::exp(mean - t * stderrOfMean),
                std::exp(mean + t * stderrOfMean));
  return text;
}

double perOpUs(double seconds, uint64_t ops) {
  return ops ? 1e6 * seconds / static_cast<double>(ops) : 0;
}

void printFigures(const Cell& c) {
  const double ratio =
      c.bare.opsPerSecond() > 0 ? c.module.opsPerSecond() / c.bare.opsPerSecond() : 0;
  const double perTenK = c.signRequests ? 10000.0 * static_cast<double>(c.handshakes) /
                                              static_cast<double>(c.signRequests)
                                        : 0;
  std::printf(
      "| %-8s | %3zu | %8.0f | %8.0f | %5.3f | %-3s | %s | %s | %+7.0f | %+7.0f | %6.1f | %llu |\n",
      c.spec->name, c.threads, c.module.opsPerSecond(), c.bare.opsPerSecond(), ratio,
      verdict(ratio >= 0.95), roundSpread(c.roundRatios).c_str(),
      ratioInterval(c.roundRatios).c_str(), c.module.percentileUs(0.50) - c.bare.percentileUs(0.50),
      c.module.percentileUs(0.99) - c.bare.percentileUs(0.99), perTenK,
      static_cast<unsigned long long>(c.module.failures + c.bare.failures));
  std::fflush(stdout);
}

// Where the time goes: CPU per operation of the client process and of the mock, and
// context switches of the client, module vs bare.
void printCosts(const Cell& c) {
  std::printf("| %-8s | %3zu | %6.1f / %6.1f | %6.1f / %6.1f | %5.2f / %5.2f | %6.0f / %6.0f |\n",
              c.spec->name, c.threads, c.module.cpuUsPerOp(), c.bare.cpuUsPerOp(),
              perOpUs(c.mockCpuModule, c.module.ops), perOpUs(c.mockCpuBare, c.bare.ops),
              c.module.switchesPerOp(), c.bare.switchesPerOp(), c.module.percentileUs(0.50),
              c.bare.percentileUs(0.50));
}

RunResult runModule(const ModuleDriver& module, const ModuleDriver::KeySessions& opened,
                    const KeySpec& spec, size_t threads, std::chrono::milliseconds duration) {
  return runClosedLoop(threads, duration, [&](size_t t) -> ThreadOp {
    auto signature = std::make_shared<std::vector<unsigned char>>();
    signature->reserve(512);
    return [&module, &spec, session = opened.sessions[t], key = opened.keys[t], signature] {
      return module.sign(session, key, spec.mechanism, spec.input, *signature);
    };
  });
}

// The bare side: thread t uses clients[t], whose keep-alive connection lives as long
// as the module's pooled ones (across the rounds of a cell).
RunResult runBare(const MockInstance& instance, const KeySpec& spec,
                  std::vector<std::unique_ptr<HttpClient>>& clients, size_t threads,
                  std::chrono::milliseconds duration) {
  const std::string url = instance.url + "/keys/" + spec.id + "/sign";
  const std::string body = std::string("{\"mode\":\"") + spec.mode + "\",\"message\":\"" +
                           base64(spec.input.data(), spec.input.size()) + "\"}";
  const std::string auth = std::string("operator:") + kOperatorPass;
  return runClosedLoop(threads, duration, [&](size_t t) -> ThreadOp {
    HttpClient* client = clients[t].get();
    return [client, &url, &body, &auth] {
      return client->request("POST", url, body, auth).status == 200;
    };
  });
}

bool benchKey(const BenchOptions& o, MockProcess& mock, const ModuleDriver& module,
              const KeySpec& spec, std::vector<Cell>& cells) {
  if (!mock.generateKey(spec.id, spec.apiType, {spec.apiMechanism},
                        spec.apiType == std::string("RSA") ? 2048 : 0))
    return false;
  const size_t maxThreads = *std::max_element(o.threadCounts.begin(), o.threadCounts.end());
  const auto opened = module.keySessions(maxThreads, spec.id);
  if (opened.sessions.empty()) return false;
  std::vector<std::unique_ptr<HttpClient>> bareClients;
  for (size_t t = 0; t < maxThreads; ++t) bareClients.push_back(std::make_unique<HttpClient>());
  const auto warmUp = std::chrono::milliseconds(300);
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.secondsPerRun * 1000));
  for (size_t threads : o.threadCounts) {
    Cell cell{&spec, threads, {}, {}, 0, 0, 0, 0, {}};
    // Unmeasured: both sides open their connections for this many threads first.
    runModule(module, opened, spec, threads, warmUp);
    runBare(mock.instances()[0], spec, bareClients, threads, warmUp);
    for (unsigned r = 0; r < o.rounds; ++r) {
      double moduleRound = 0, bareRound = 0;
      for (int side = 0; side < 2; ++side) {
        const double mockCpu = mock.cpuSeconds();
        if ((side == 0) == (r % 2 == 0)) {
          mock.resetCounters();
          const RunResult round = runModule(module, opened, spec, threads, duration);
          moduleRound = round.opsPerSecond();
          accumulate(cell.module, round);
          cell.mockCpuModule += mock.cpuSeconds() - mockCpu;
          const Counters c = mock.counters(0);
          cell.handshakes += c.tlsHandshakes;
          cell.signRequests += c.endpoint("POST /keys/{id}/sign");
        } else {
          const RunResult round =
              runBare(mock.instances()[0], spec, bareClients, threads, duration);
          bareRound = round.opsPerSecond();
          accumulate(cell.bare, round);
          cell.mockCpuBare += mock.cpuSeconds() - mockCpu;
        }
      }
      if (bareRound > 0) cell.roundRatios.push_back(moduleRound / bareRound);
    }
    printFigures(cell);
    cells.push_back(std::move(cell));
  }
  module.closeSessions(opened);
  return true;
}

}  // namespace

bool runSignBench(const BenchOptions& o) {
  MockProcess mock(o.mockBinary, {"--workers", "16"});
  if (!mock.ok() || !mock.provision()) {
    std::fprintf(stderr, "bench: mock-nethsm did not start or provision\n");
    return false;
  }
  ModuleDriver module(o.modulePath, mock);
  if (!module.ok()) return false;
  std::printf("\n## Signing: module vs bare libcurl keep-alive client, same mock, same run\n");
  std::printf(
      "%u alternating rounds of %.1f s per side and cell. ratio = module ops/s / bare ops/s "
      "(goal >= 0.95) over all rounds; per round: the ratio of each round's pair, median "
      "(lowest-highest), how much the machine's load moves it; 95 %% interval: where the "
      "cell's ratio lies with 95 %% confidence given that spread (an interval holding 0.95 "
      "cannot tell a miss from noise); added = module minus bare latency.\n\n",
      o.rounds, o.secondsPerRun);
  std::printf(
      "| key | threads | module ops/s | bare ops/s | ratio | goal | per round | 95 %% interval | "
      "added p50 us | added p99 us | TLS handshakes / 10k | failures |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<Cell> cells;
  const auto specs = keySpecs();
  for (const auto& spec : specs) {
    if (std::find(o.keyTypes.begin(), o.keyTypes.end(), spec.name) == o.keyTypes.end()) continue;
    if (!benchKey(o, mock, module, spec, cells)) return false;
  }
  std::printf(
      "\nWhere the time goes (module / bare): CPU of the client process and of the mock "
      "per signature, client context switches per signature, median latency.\n\n");
  std::printf("| key | threads | client CPU us | mock CPU us | switches | p50 us |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& c : cells) printCosts(c);
  return true;
}

}  // namespace p11nethsm::bench

// Named without C++ mangling so that valgrind --toggle-collect can select them.
extern "C" {
__attribute__((noinline)) bool p11nethsm_bench_module_sign(
    const p11nethsm::bench::ModuleDriver* module, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
    CK_MECHANISM_TYPE mechanism, const std::vector<unsigned char>* input,
    std::vector<unsigned char>* signature) {
  return module->sign(session, key, mechanism, *input, *signature);
}
__attribute__((noinline)) bool p11nethsm_bench_bare_sign(p11nethsm::bench::HttpClient* client,
                                                         const std::string* url,
                                                         const std::string* body,
                                                         const std::string* auth) {
  return client->request("POST", *url, *body, *auth).status == 200;
}
}

namespace p11nethsm::bench {

bool runSignProfile(const BenchOptions& o) {
  MockProcess mock(o.mockBinary, {});
  if (!mock.ok() || !mock.provision()) return false;
  ModuleDriver module(o.modulePath, mock);
  if (!module.ok()) return false;
  for (const auto& spec : keySpecs()) {
    if (std::find(o.keyTypes.begin(), o.keyTypes.end(), spec.name) == o.keyTypes.end()) continue;
    if (!mock.generateKey(spec.id, spec.apiType, {spec.apiMechanism},
                          spec.apiType == std::string("RSA") ? 2048 : 0))
      return false;
    const CK_SESSION_HANDLE session = module.openSession();
    const CK_OBJECT_HANDLE key = module.privateKey(session, spec.id);
    std::vector<unsigned char> signature;
    signature.reserve(512);
    HttpClient client;
    const std::string url = mock.instances()[0].url + "/keys/" + spec.id + "/sign";
    const std::string body = std::string("{\"mode\":\"") + spec.mode + "\",\"message\":\"" +
                             base64(spec.input.data(), spec.input.size()) + "\"}";
    const std::string auth = std::string("operator:") + kOperatorPass;
    unsigned long failed = 0;
    auto sysSeconds = [] {
      rusage usage{};
      getrusage(RUSAGE_SELF, &usage);
      return static_cast<double>(usage.ru_stime.tv_sec) +
             static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
    };
    const double sys0 = sysSeconds();
    const double start = processCpuSeconds();
    for (unsigned long i = 0; i < o.profileOps; ++i)
      failed += !p11nethsm_bench_module_sign(&module, session, key, spec.mechanism, &spec.input,
                                             &signature);
    const double middle = processCpuSeconds();
    const double sys1 = sysSeconds();
    for (unsigned long i = 0; i < o.profileOps; ++i)
      failed += !p11nethsm_bench_bare_sign(&client, &url, &body, &auth);
    const double end = processCpuSeconds();
    const double sys2 = sysSeconds();
    std::printf("profile: system CPU per signature %.1f us module, %.1f us bare\n",
                1e6 * (sys1 - sys0) / static_cast<double>(o.profileOps),
                1e6 * (sys2 - sys1) / static_cast<double>(o.profileOps));
    module.closeSession(session);
    const double ops = static_cast<double>(o.profileOps);
    std::printf(
        "profile: %s %lu module and %lu bare signatures, %lu failed; client CPU per "
        "signature %.1f us module, %.1f us bare\n",
        spec.name, o.profileOps, o.profileOps, failed, 1e6 * (middle - start) / ops,
        1e6 * (end - middle) / ops);
    if (failed != 0) return false;
  }
  return true;
}

}  // namespace p11nethsm::bench
