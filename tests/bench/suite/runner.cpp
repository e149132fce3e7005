#include "runner.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <ctime>
#include <fstream>
#include <thread>

namespace p11nethsm::bench {
namespace {

double contextSwitches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_nvcsw + usage.ru_nivcsw);
}

}  // namespace

double RunResult::percentileUs(double p) const {
  if (latencyUs.empty()) return 0;
  std::vector<double> sorted = latencyUs;
  const size_t index =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(index), sorted.end());
  return sorted[index];
}

RunResult runClosedLoop(size_t threads, std::chrono::milliseconds duration,
                        const ThreadSetup& setup, uint64_t maxOps, bool recordLatency) {
  std::vector<RunResult> perThread(threads);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> started{0};
  std::barrier ready(static_cast<std::ptrdiff_t>(threads + 1));
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ThreadOp op = setup(t);
      RunResult& mine = perThread[t];
      if (recordLatency) mine.latencyUs.reserve(1 << 14);
      ready.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        if (maxOps != 0 && started.fetch_add(1, std::memory_order_relaxed) >= maxOps) break;
        const auto begin = Clock::now();
        const bool ok = op && op();
        const auto end = Clock::now();
        if (!ok) {
          ++mine.failures;
          continue;
        }
        ++mine.ops;
        if (recordLatency)
          mine.latencyUs.push_back(std::chrono::duration<double, std::micro>(end - begin).count());
      }
    });
  }
  ready.arrive_and_wait();
  const auto begin = Clock::now();
  const double cpuBegin = processCpuSeconds();
  const double switchesBegin = contextSwitches();
  if (maxOps == 0) {
    std::this_thread::sleep_for(duration);  // the measured run lasts `duration` (load pacing)
    stop = true;
  }
  for (auto& t : pool) t.join();
  RunResult total;
  total.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  total.cpuSeconds = processCpuSeconds() - cpuBegin;
  total.contextSwitches = contextSwitches() - switchesBegin;
  for (const auto& r : perThread) {
    total.ops += r.ops;
    total.failures += r.failures;
    total.latencyUs.insert(total.latencyUs.end(), r.latencyUs.begin(), r.latencyUs.end());
  }
  return total;
}

void accumulate(RunResult& into, const RunResult& round) {
  into.ops += round.ops;
  into.failures += round.failures;
  into.seconds += round.seconds;
  into.cpuSeconds += round.cpuSeconds;
  into.contextSwitches += round.contextSwitches;
  into.latencyUs.insert(into.latencyUs.end(), round.latencyUs.begin(), round.latencyUs.end());
}

double processCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long selfResidentKb() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string machineDescription() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  const int cores = sched_getaffinity(0, sizeof(set), &set) == 0
                        ? CPU_COUNT(&set)
                        : static_cast<int>(std::thread::hardware_concurrency());
  return model + ", " + std::to_string(cores) + " cores";
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace p11nethsm::bench
