// The 10,000-key slot: creating the keys on a mock with a state file, restarting it
// from that file, then the module's listing of private keys cold (fresh C_Initialize)
// and warm (from its cache), and the warm lookup by CKA_ID.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "bench.hpp"
#include "module_driver.hpp"
#include "runner.hpp"

namespace p11nethsm::bench {
namespace {

std::string keyId(size_t i) { return "list" + std::to_string(i); }

uint64_t apiRequests(const Counters& c) {
  uint64_t total = 0;
  for (const auto& [name, count] : c.endpoints) total += count;
  return total;
}

double elapsedMs(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// 8 administrator connections generate the keys (Ed25519: cheap for the mock).
bool createKeys(MockProcess& mock, size_t n) {
  std::atomic<size_t> next{0}, failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      HttpClient client;
      for (size_t i = next++; i < n; i = next++)
        if (!mock.generateKey(client, keyId(i), "Curve25519", {"EdDSA_Signature"})) failed++;
    });
  }
  for (auto& w : workers) w.join();
  return failed == 0;
}

// C_FindObjects* for the private keys; returns the count (-1 on error) and its time.
long privateKeys(const ModuleDriver& module, CK_SESSION_HANDLE session, double& ms) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  const auto start = Clock::now();
  const long found = module.count(session, {{CKA_CLASS, &cls, sizeof(cls)}});
  ms = elapsedMs(start);
  return found;
}

// Not inlined, so that callgrind --toggle-collect='*byIdMicros*' can count it alone.
__attribute__((noinline)) double byIdMicros(const ModuleDriver& module, CK_SESSION_HANDLE session,
                                            size_t n) {
  const size_t lookups = 20000;
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  const auto start = Clock::now();
  for (size_t i = 0; i < lookups; ++i) {
    std::string id = keyId((i * 7919) % n);
    if (module.count(session, {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, id.data(), id.size()}}) !=
        1)
      return -1;
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
         static_cast<double>(lookups);
}

bool listWithModule(const BenchOptions& o, MockProcess& mock) {
  const size_t n = o.listingKeys;
  ModuleDriver module(o.modulePath, mock);
  if (!module.ok()) return false;
  CK_SESSION_HANDLE session = module.openSession();
  mock.resetCounters();
  double coldMs = 0, warmMs = 1e9, ms = 0;
  const double clientCpu = processCpuSeconds(), mockCpu = mock.cpuSeconds();
  const long cold = privateKeys(module, session, coldMs);
  const double coldClientCpu = processCpuSeconds() - clientCpu,
               coldMockCpu = mock.cpuSeconds() - mockCpu;
  const uint64_t coldRequests = apiRequests(mock.counters(0));
  for (int i = 0; i < 20; ++i) {
    if (privateKeys(module, session, ms) != cold) return false;
    warmMs = std::min(warmMs, ms);
  }
  const double byId = byIdMicros(module, session, n);
  const uint64_t after = apiRequests(mock.counters(0));
  module.closeSession(session);
  std::printf(
      "| cold listing of private keys (fresh C_Initialize) | %.0f ms, %llu requests, %ld found "
      "(CPU: module %.0f ms, mock %.0f ms) | <= 1500 ms, <= %zu requests | %s |\n",
      coldMs, static_cast<unsigned long long>(coldRequests), cold, 1000 * coldClientCpu,
      1000 * coldMockCpu, n + 2,
      verdict(coldMs <= 1500 && coldRequests <= n + 2 && cold == static_cast<long>(n)));
  std::printf("| the same, warm (best of 20) | %.2f ms | <= 5 ms | %s |\n", warmMs,
              verdict(warmMs <= 5));
  std::printf(
      "| lookup by CKA_ID + CKO_PRIVATE_KEY, warm (mean of 20,000) | %.2f us, %llu requests | "
      "<= 5 us | %s |\n",
      byId, static_cast<unsigned long long>(after - coldRequests), verdict(byId >= 0 && byId <= 5));
  return cold == static_cast<long>(n) && byId >= 0;
}

}  // namespace

bool runListingBench(const BenchOptions& o) {
  std::filesystem::create_directories(o.workDir);
  const std::string state = o.workDir + "/listing-state.json";
  for (const char* suffix : {"", ".journal", ".tmp"}) std::filesystem::remove(state + suffix);
  std::printf("\n## %zu keys: mock-nethsm state file, module listing\n\n", o.listingKeys);
  std::printf("| figure | measured | goal | met |\n|---|---|---|---|\n");
  double createS = 0;
  {
    MockProcess mock(o.mockBinary, {"--state", state});
    if (!mock.ok() || !mock.provision()) return false;
    const auto start = Clock::now();
    if (!createKeys(mock, o.listingKeys)) {
      std::fprintf(stderr, "bench: key creation failed\n");
      return false;
    }
    createS = elapsedMs(start) / 1000;
  }
  std::printf(
      "| mock: create %zu Ed25519 keys with --state (8 connections) | %.1f s (%.0f keys/s) | "
      "seconds | %s |\n",
      o.listingKeys, createS, static_cast<double>(o.listingKeys) / createS, verdict(createS < 60));
  const auto restart = Clock::now();
  MockProcess mock(o.mockBinary, {"--state", state});
  if (!mock.ok()) return false;
  const double restartS = elapsedMs(restart) / 1000;
  std::printf("| mock: restart from that state file until listening | %.1f s | seconds | %s |\n",
              restartS, verdict(restartS < 60));
  return listWithModule(o, mock);
}

}  // namespace p11nethsm::bench
