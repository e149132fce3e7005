// Memory of the module under load: resident set of the benchmark process (the mock
// runs in its own) after a warm-up and after `rssSignatures` more signatures from 8
// threads. Growth would mean a leak or an unbounded cache on the signing path.
#include <memory>

#include "bench.hpp"
#include "module_driver.hpp"
#include "runner.hpp"

namespace p11nethsm::bench {

bool runRssBench(const BenchOptions& o) {
  constexpr size_t kThreads = 8;
  MockProcess mock(o.mockBinary, {});
  if (!mock.ok() || !mock.provision() ||
      !mock.generateKey("rsskey", "Curve25519", {"EdDSA_Signature"}))
    return false;
  ModuleDriver module(o.modulePath, mock);
  if (!module.ok()) return false;
  const auto opened = module.keySessions(kThreads, "rsskey");
  if (opened.sessions.empty()) return false;
  const std::vector<unsigned char> message(32, 0x42);
  auto signMany = [&](uint64_t count) {
    return runClosedLoop(
        kThreads, std::chrono::milliseconds(0),
        [&](size_t t) -> ThreadOp {
          auto signature = std::make_shared<std::vector<unsigned char>>();
          signature->reserve(128);
          return [&, session = opened.sessions[t], key = opened.keys[t], signature] {
            return module.sign(session, key, CKM_EDDSA, message, *signature);
          };
        },
        count, false);
  };
  const long start = selfResidentKb();
  const RunResult warm = signMany(20000);
  const long warmed = selfResidentKb();
  const RunResult run = signMany(o.rssSignatures);
  const long after = selfResidentKb();
  module.closeSessions(opened);
  const long growth = after - warmed;
  std::printf("\n## Memory: %lu Ed25519 signatures, %zu threads\n\n", o.rssSignatures, kThreads);
  std::printf("| figure | measured | goal | met |\n|---|---|---|---|\n");
  std::printf(
      "| RSS growth over %lu signatures (after a 20,000-signature warm-up) | %+ld KB "
      "(%ld KB -> %ld KB; %ld KB before the warm-up; %.0f sign/s; %llu failures) | < 1024 KB | %s "
      "|\n",
      o.rssSignatures, growth, warmed, after, start, run.opsPerSecond(),
      static_cast<unsigned long long>(run.failures + warm.failures),
      verdict(growth < 1024 && run.failures == 0));
  return run.failures == 0;
}

}  // namespace p11nethsm::bench
