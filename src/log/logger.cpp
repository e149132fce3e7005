// The module logger: level filter, sink list, and the buffer for messages written
// before configure() (configuration warnings come before the sinks exist).
//
// Lifetime (DESIGN.md "Lifetime"): no static object with a non-trivial destructor —
// the state is heap-allocated in configure() and freed in shutdown(); the globals
// below are a trivially destructible mutex, atomics and raw pointers.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <type_traits>

#include "log/sink.hpp"

namespace p11nethsm::log {

namespace {

using detail::Record;
using detail::Sink;

struct State {
  Level level = Level::kWarn;
  std::vector<std::unique_ptr<Sink>> sinks;
};

struct Pending {
  Level level;
  std::string message;
  timespec time;
  bool printedToStderr;
};

static_assert(std::is_trivially_destructible_v<std::mutex>);
constinit std::mutex gMutex;  // leaf lock: sinks never block while it is held
// Before configure() and after shutdown(): keep kDebug and up for the replay.
constexpr Level kUnconfiguredLevel = Level::kDebug;
constinit std::atomic<int> gThreshold{static_cast<int>(kUnconfiguredLevel)};
State* gState = nullptr;                   // guarded by gMutex
std::vector<Pending>* gPending = nullptr;  // guarded by gMutex
constinit std::atomic<bool> gAtforkRegistered{false};

// fork() while another thread writes a log line must not leave the child with a
// locked mutex (glibc drops these handlers when the module is dlclose'd).
void lockBeforeFork() { gMutex.lock(); }
void unlockInParent() { gMutex.unlock(); }
void resetInChild() {
  if (gState != nullptr) {
    for (auto& sink : gState->sinks) sink->afterForkInChild();
  }
  gMutex.unlock();
}

timespec now() {
  timespec t{};
  ::clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

void keepPendingLocked(const Record& record) {
  bool printed = false;
  if (record.level >= Level::kError) {
    detail::makeStderrSink()->write(record);
    printed = true;
  }
  if (gPending == nullptr) gPending = new std::vector<Pending>();
  if (gPending->size() < kPendingLimit) {
    gPending->push_back(Pending{record.level, std::string(record.message), record.time, printed});
  }
}

void replayPendingLocked(State& state) {
  if (gPending == nullptr) return;
  for (const Pending& p : *gPending) {
    if (p.level < state.level) continue;
    Record record{p.level, p.message, p.time};
    for (auto& sink : state.sinks) {
      if (!(p.printedToStderr && sink->isStderr())) sink->write(record);
    }
  }
  delete gPending;
  gPending = nullptr;
}

detail::SyslogIdentity identity(const Options& cfg, std::vector<std::string>& notes) {
  detail::SyslogIdentity id;
  if (std::optional<int> code = syslogFacilityCode(cfg.syslogFacility)) {
    id.facility = *code;
  } else {
    notes.push_back("unknown syslog facility '" + cfg.syslogFacility + "'; using 'user'");
  }
  if (cfg.syslogHostname) {
    id.hostname = *cfg.syslogHostname;
  } else {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) id.hostname = host;
  }
  id.process = cfg.syslogProcess.value_or(program_invocation_short_name);
  id.pid = cfg.syslogPid;
  return id;
}

void addSyslogSink(const Options& cfg, const detail::SyslogIdentity& id,
                   std::vector<std::unique_ptr<Sink>>& sinks, std::vector<std::string>& notes) {
  std::string problem;
  std::unique_ptr<Sink> sink;
  if (cfg.syslogSocket) {
    sink = detail::makeUnixSyslogSink(*cfg.syslogSocket, id, problem);
  } else if (cfg.syslogUdp) {
    sink = detail::makeUdpSyslogSink(*cfg.syslogUdp, id, problem);
  } else if (cfg.syslogTcp) {
    sink = detail::makeTcpSyslogSink(*cfg.syslogTcp, id, problem);
  }
  if (!problem.empty()) notes.push_back("syslog: " + problem);
  if (sink) sinks.push_back(std::move(sink));
}

std::vector<std::unique_ptr<Sink>> buildSinks(const Options& cfg,
                                              std::span<const std::string> defaultSockets,
                                              std::vector<std::string>& notes) {
  std::vector<std::unique_ptr<Sink>> sinks;
  detail::SyslogIdentity id = identity(cfg, notes);
  if (cfg.file) {
    std::string problem;
    std::unique_ptr<Sink> file = detail::makeFileSink(*cfg.file, problem);
    if (!file) {
      notes.push_back(problem + "; logging to stderr instead");
      file = detail::makeStderrSink();
    }
    sinks.push_back(std::move(file));
  }
  if (cfg.syslogSocket || cfg.syslogUdp || cfg.syslogTcp) addSyslogSink(cfg, id, sinks, notes);
  if (cfg.file || cfg.syslogSocket || cfg.syslogUdp || cfg.syslogTcp) return sinks;
  // Documented default (seed 004): syslog on the first default socket AND stderr.
  for (const std::string& path : defaultSockets) {
    std::string problem;
    std::unique_ptr<Sink> sink = detail::makeUnixSyslogSink(path, id, problem);
    if (sink && problem.empty()) {
      sinks.push_back(std::move(sink));
      break;
    }
  }
  sinks.push_back(detail::makeStderrSink());
  return sinks;
}

Level levelFromEnvironment(Level fromConfig, std::vector<std::string>& notes) {
  const char* text = ::secure_getenv(kLevelEnvVar);
  if (text == nullptr || *text == '\0') return fromConfig;
  if (std::optional<Level> level = parseLevel(text)) return *level;
  notes.push_back(std::string("ignoring ") + kLevelEnvVar + ": unknown level '" + text + "'");
  return fromConfig;
}

}  // namespace

void configure(const Options& cfg, std::span<const std::string> defaultSockets) {
  if (!gAtforkRegistered.exchange(true)) {
    ::pthread_atfork(lockBeforeFork, unlockInParent, resetInChild);
  }
  std::vector<std::string> notes;
  auto* state = new State();
  state->level = levelFromEnvironment(cfg.level.value_or(Level::kWarn), notes);
  state->sinks = buildSinks(cfg, defaultSockets, notes);  // may connect: no lock held
  State* old = nullptr;
  {
    std::lock_guard lock(gMutex);
    old = gState;
    gState = state;
    gThreshold.store(static_cast<int>(state->level), std::memory_order_relaxed);
    replayPendingLocked(*state);
  }
  delete old;
  for (const std::string& note : notes) warn(note);
}

void configure(const Options& cfg) {
  std::vector<std::string> defaults(std::begin(kDefaultSyslogSockets),
                                    std::end(kDefaultSyslogSockets));
  configure(cfg, defaults);
}

void shutdown() {
  State* old = nullptr;
  {
    std::lock_guard lock(gMutex);
    old = gState;
    gState = nullptr;
    gThreshold.store(static_cast<int>(kUnconfiguredLevel), std::memory_order_relaxed);
    delete gPending;  // nothing written before shutdown() is replayed later
    gPending = nullptr;
  }
  delete old;
}

bool enabled(Level level) {
  return level != Level::kOff &&
         static_cast<int>(level) >= gThreshold.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = detail::sanitize(message);
  Record record{level, line, now()};
  std::lock_guard lock(gMutex);
  if (gState == nullptr) {
    keepPendingLocked(record);
    return;
  }
  for (auto& sink : gState->sinks) sink->write(record);
}

std::vector<std::string> activeSinks() {
  std::vector<std::string> names;
  std::lock_guard lock(gMutex);
  if (gState != nullptr) {
    for (const auto& sink : gState->sinks) names.push_back(sink->name());
  }
  return names;
}

Level currentLevel() { return static_cast<Level>(gThreshold.load(std::memory_order_relaxed)); }

}  // namespace p11nethsm::log
