#pragma once
// The state of one C_Initialize … C_Finalize (DESIGN.md "Lifetime"): slots, the
// session table and slot events. Everything is created in C_Initialize and released
// in C_Finalize; no network I/O happens while creating it.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "core/session.hpp"
#include "core/slot.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/result.hpp"

namespace p11nethsm::core {

class Module {
 public:
  Module(const config::Config& config, bool threadsAllowed);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::vector<std::shared_ptr<Slot>>& slots() const { return slots_; }
  Result<std::shared_ptr<Slot>> slot(CK_SLOT_ID id) const;
  const config::Config& config() const { return config_; }

  // Session table (PKCS#11 v2.40 §5.6); lookups hold the table lock only briefly.
  SessionPtr openSession(std::shared_ptr<Slot> slot, CK_FLAGS flags);
  Result<SessionPtr> session(CK_SESSION_HANDLE handle) const;
  SessionPtr removeSession(CK_SESSION_HANDLE handle);
  std::vector<SessionPtr> removeSessions(CK_SLOT_ID slot);
  std::vector<SessionPtr> sessionsOf(CK_SLOT_ID slot) const;

  // C_WaitForSlotEvent: a slot whose token presence changed since last reported.
  // Blocks unless `dontBlock`; CKR_CRYPTOKI_NOT_INITIALIZED once finalizing.
  Result<CK_SLOT_ID> waitForSlotEvent(bool dontBlock);
  // Threads blocked in waitForSlotEvent right now (tests: "the waiter is waiting").
  size_t slotEventWaiters();

  // C_Finalize: wakes waiters, stops the health checkers (joined). Idempotent.
  void shutdown();
  // In a forked child: forget the parent's connections and threads.
  void abandonAfterFork();

 private:
  std::optional<CK_SLOT_ID> takeEventLocked();

  config::Config config_;
  std::vector<std::shared_ptr<Slot>> slots_;
  mutable std::shared_mutex tableMutex_;
  std::unordered_map<CK_SESSION_HANDLE, SessionPtr> sessions_;

  std::mutex eventMutex_;
  std::condition_variable eventCv_;
  std::vector<bool> reportedPresence_;
  bool finalizing_ = false;
  size_t eventWaiters_ = 0;
};

// The initialized module, or CKR_CRYPTOKI_NOT_INITIALIZED. Holding the returned
// pointer keeps the state alive; no lock is held after return.
Result<std::shared_ptr<Module>> acquireModule();

// C_Initialize / C_Finalize (PKCS#11 v2.40 §5.4).
CK_RV initializeModule(const CK_C_INITIALIZE_ARGS* args);
CK_RV finalizeModule(const void* reserved);

// Host exit or unload without C_Finalize (core/host_exit.cpp); each gives up when the
// module lock is not had by `deadline`. Stops the module's threads; then, with no
// call in flight, releases the module as C_Finalize would (false: nothing released).
void stopModuleThreadsForHostExit(std::chrono::steady_clock::time_point deadline);
bool releaseModuleForHostExit(std::chrono::steady_clock::time_point deadline);

}  // namespace p11nethsm::core
