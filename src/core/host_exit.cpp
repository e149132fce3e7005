#include "core/host_exit.hpp"

#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "core/module.hpp"
#include "log/log.hpp"
#include "nethsm/process_hooks.hpp"

namespace p11nethsm::core {
namespace {

// Trivially destructible on purpose (DESIGN.md "Lifetime"): other host threads may
// still call in while exit() runs the library destructors.
std::atomic<bool> gClosing{false};
std::atomic<long> gInFlight{0};
pthread_once_t gArmOnce = PTHREAD_ONCE_INIT;

using Clock = std::chrono::steady_clock;

bool drainCalls(Clock::time_point deadline) {
  while (gInFlight.load() > 0) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs at exit() or dlclose() (see the header). The order matters: new calls are
// refused first, so the count can only fall; transfers are aborted so that calls in
// flight and health probes return within a libcurl progress tick; the health
// checkers are joined and C_WaitForSlotEvent woken; then the module is released
// once every call has left it. With calls still inside after the bound, it is left
// as it is: freeing it under them would crash the host sooner.
void onHostExitOrUnload() {
  const auto deadline = Clock::now() + kHostExitBound;
  gClosing.store(true);
  nethsm::abortAllTransfers();
  stopModuleThreadsForHostExit(deadline);
  if (!drainCalls(deadline)) {
    log::warn("host exits or unloads the module with " + std::to_string(gInFlight.load()) +
              " call(s) still in flight; state left in place");
    return;
  }
  if (releaseModuleForHostExit(deadline)) log::shutdown();
}

void arm() {
  // libcurl and OpenSSL first: OPENSSL_cleanup is then registered before this handler,
  // and atexit handlers run in reverse order, so ours runs while OpenSSL still works.
  nethsm::initializeNetworkLibraries();
  if (std::atexit(onHostExitOrUnload) != 0)
    log::warn("cannot register the exit handler; call C_Finalize before exit or dlclose");
}

}  // namespace

CallGate::CallGate(bool forkQuiesce) noexcept {
  // Counted before the check: the handler sets gClosing before it reads the count,
  // so either it waits for this call or this call sees gClosing (both seq_cst).
  gInFlight.fetch_add(1);
  open_ = !gClosing.load();
  if (open_ && forkQuiesce) activity_.emplace();  // waits while a fork() is prepared
}

CallGate::~CallGate() {
  activity_.reset();
  gInFlight.fetch_sub(1);
}

void armHostExitHandler() { pthread_once(&gArmOnce, arm); }

void forgetCallsInFlightAfterFork() { gInFlight.store(0); }

}  // namespace p11nethsm::core
