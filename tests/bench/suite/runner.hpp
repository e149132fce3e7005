#pragma once
// Closed-loop load: N threads call one operation back to back for a fixed time and
// record every call's latency. Shared by the signing, cluster and RSS benchmarks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace p11nethsm::bench {

using Clock = std::chrono::steady_clock;

struct RunResult {
  uint64_t ops = 0;
  uint64_t failures = 0;
  double seconds = 0;
  double cpuSeconds = 0;          // CPU time of this process (the mock runs in its own)
  double contextSwitches = 0;     // voluntary + involuntary, this process
  std::vector<double> latencyUs;  // every successful call
  double opsPerSecond() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  double percentileUs(double p) const;  // sorts a copy; 0 when empty
  double cpuUsPerOp() const { return ops ? 1e6 * cpuSeconds / static_cast<double>(ops) : 0; }
  double switchesPerOp() const { return ops ? contextSwitches / static_cast<double>(ops) : 0; }
};

// Per-thread work: `setup(thread)` returns the operation that thread repeats (true =
// success). Every thread starts together after all set-ups finished.
using ThreadOp = std::function<bool()>;
using ThreadSetup = std::function<ThreadOp(size_t thread)>;

// Runs for `duration`, or until `maxOps` calls have been made in total (0: no cap).
// Without `recordLatency` no sample is kept (the memory benchmark measures the RSS).
RunResult runClosedLoop(size_t threads, std::chrono::milliseconds duration,
                        const ThreadSetup& setup, uint64_t maxOps = 0, bool recordLatency = true);

// Merges rounds of the same configuration (ops, time and samples add up).
void accumulate(RunResult& into, const RunResult& round);

// CPU time (user + system) this process has used so far.
double processCpuSeconds();

// Resident set of this process in KiB (/proc/self/statm).
long selfResidentKb();

// "AMD EPYC, 2 cores" from /proc/cpuinfo and the CPUs this process may use.
std::string machineDescription();
// The three /proc/loadavg figures.
std::string loadAverage();

}  // namespace p11nethsm::bench
