#include "core/module.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>

#include "core/error_map.hpp"
#include "core/host_exit.hpp"
#include "log/log.hpp"
#include "nethsm/process_hooks.hpp"

namespace p11nethsm::core {
namespace {

// Module-wide state. Plain C objects on purpose: no static object of the module may
// have a non-trivial destructor (DESIGN.md "Lifetime"). The rwlock guards only the
// pointer; callers copy the shared_ptr and release the lock at once.
pthread_rwlock_t gModuleLock = PTHREAD_RWLOCK_INITIALIZER;
std::shared_ptr<Module>* gModule = nullptr;
pthread_once_t gAtforkOnce = PTHREAD_ONCE_INIT;
pid_t gModulePid = 0;  // the process that called C_Initialize

CK_SESSION_HANDLE nextSessionHandle() {
  static std::atomic<CK_SESSION_HANDLE> next{1};  // never reused in the process
  return next.fetch_add(1);
}

class ReadLock {
 public:
  ReadLock() { pthread_rwlock_rdlock(&gModuleLock); }
  ~ReadLock() { pthread_rwlock_unlock(&gModuleLock); }
};

class WriteLock {
 public:
  WriteLock() { pthread_rwlock_wrlock(&gModuleLock); }
  ~WriteLock() { pthread_rwlock_unlock(&gModuleLock); }
};

// fork(): the lock is taken around fork so the child inherits it in a known state.
// The child forgets the parent's connections and threads without touching them and
// starts uninitialized: it works again after its own C_Initialize.
void beforeFork() { pthread_rwlock_wrlock(&gModuleLock); }
void afterForkParent() { pthread_rwlock_unlock(&gModuleLock); }
void afterForkChild() {
  // The write lock belongs to the parent's thread ID: start over with a fresh lock.
  pthread_rwlock_init(&gModuleLock, nullptr);
  forgetCallsInFlightAfterFork();
  if (gModule) {
    (*gModule)->abandonAfterFork();
    // Deliberately leaked: its threads do not exist here and its sockets belong
    // to the parent, so neither may be closed or joined from the child.
    gModule = nullptr;
  }
}
void registerAtfork() { pthread_atfork(beforeFork, afterForkParent, afterForkChild); }

// PKCS#11 v2.40 §5.4 C_Initialize: the four callbacks all or none; callbacks without
// CKF_OS_LOCKING_OK would require us to use them, which we cannot (CANT_LOCK).
CK_RV checkInitArgs(const CK_C_INITIALIZE_ARGS* args, bool& threadsAllowed) {
  threadsAllowed = true;
  if (!args) return CKR_OK;
  if (args->pReserved) return CKR_ARGUMENTS_BAD;
  int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
              (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
  if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
  if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK)) return CKR_CANT_LOCK;
  threadsAllowed = !(args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS);
  return CKR_OK;
}

// The host-exit handler must not wait forever for a lock a thread of the exiting
// host may hold (core/host_exit.cpp).
timespec asTimespec(std::chrono::steady_clock::time_point t) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

}  // namespace

Module::Module(const config::Config& config, bool threadsAllowed) : config_(config) {
  SlotOptions options;
  options.threadsAllowed = threadsAllowed && !config.disableThreads;
  options.parallelListing = options.threadsAllowed && !config.disableThreadPool;
  for (size_t i = 0; i < config_.slots.size(); ++i)
    slots_.push_back(std::make_shared<Slot>(static_cast<CK_SLOT_ID>(i), config_.slots[i], options));
  for (auto& slot : slots_) {
    slot->connection().start();  // the health checker; no I/O on this thread
    reportedPresence_.push_back(slot->tokenPresent());
  }
}

Module::~Module() { shutdown(); }

Result<std::shared_ptr<Slot>> Module::slot(CK_SLOT_ID id) const {
  if (id >= slots_.size()) return ckError(CKR_SLOT_ID_INVALID, "no such slot");
  return slots_[id];
}

SessionPtr Module::openSession(std::shared_ptr<Slot> slot, CK_FLAGS flags) {
  auto session = std::make_shared<Session>(nextSessionHandle(), std::move(slot), flags);
  std::unique_lock lock(tableMutex_);
  sessions_[session->handle] = session;
  return session;
}

Result<SessionPtr> Module::session(CK_SESSION_HANDLE handle) const {
  std::shared_lock lock(tableMutex_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return ckError(CKR_SESSION_HANDLE_INVALID, "no such session");
  return it->second;
}

SessionPtr Module::removeSession(CK_SESSION_HANDLE handle) {
  std::unique_lock lock(tableMutex_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return nullptr;
  auto session = it->second;
  sessions_.erase(it);
  return session;
}

std::vector<SessionPtr> Module::removeSessions(CK_SLOT_ID slot) {
  std::vector<SessionPtr> removed;
  std::unique_lock lock(tableMutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->slot->id() == slot) {
      removed.push_back(it->second);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

std::vector<SessionPtr> Module::sessionsOf(CK_SLOT_ID slot) const {
  std::vector<SessionPtr> out;
  std::shared_lock lock(tableMutex_);
  for (const auto& [handle, session] : sessions_)
    if (session->slot->id() == slot) out.push_back(session);
  return out;
}

std::optional<CK_SLOT_ID> Module::takeEventLocked() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    bool present = slots_[i]->tokenPresent();
    if (present != reportedPresence_[i]) {
      reportedPresence_[i] = present;
      return static_cast<CK_SLOT_ID>(i);
    }
  }
  return std::nullopt;
}

// PKCS#11 v2.40 §5.5 C_WaitForSlotEvent. Presence comes from the health checker, so
// waiting polls the last known health (no I/O) until an event or C_Finalize.
Result<CK_SLOT_ID> Module::waitForSlotEvent(bool dontBlock) {
  std::unique_lock lock(eventMutex_);
  for (;;) {
    if (finalizing_) return ckError(CKR_CRYPTOKI_NOT_INITIALIZED, "finalized while waiting");
    if (auto event = takeEventLocked()) return *event;
    if (dontBlock) return ckError(CKR_NO_EVENT, "no slot event");
    ++eventWaiters_;
    eventCv_.wait_for(lock, std::chrono::milliseconds(250));
    --eventWaiters_;
  }
}

size_t Module::slotEventWaiters() {
  std::lock_guard lock(eventMutex_);
  return eventWaiters_;
}

void Module::shutdown() {
  {
    std::lock_guard lock(eventMutex_);
    finalizing_ = true;
  }
  eventCv_.notify_all();
  for (auto& slot : slots_) slot->connection().stop();
}

void Module::abandonAfterFork() {
  for (auto& slot : slots_) slot->abandonAfterFork();
}

Result<std::shared_ptr<Module>> acquireModule() {
  ReadLock lock;
  // The fork check: a child that forked without our atfork handler (clone, vfork)
  // must not use the parent's state either.
  if (!gModule || gModulePid != getpid())
    return ckError(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize first");
  return *gModule;
}

CK_RV initializeModule(const CK_C_INITIALIZE_ARGS* args) {
  bool threadsAllowed = true;
  if (CK_RV rv = checkInitArgs(args, threadsAllowed); rv != CKR_OK) return rv;
  armHostExitHandler();  // before any module thread exists
  WriteLock lock;
  if (gModule && gModulePid == getpid()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  auto config = config::loadConfig();
  if (!config) {
    log::error("configuration: " + config.error().message);
    return CKR_FUNCTION_FAILED;
  }
  log::configure(config->log);
  // Fork handlers after the log's (prepare handlers run newest first): the prepare
  // order is then fork gate, module lock, log lock — the order C_Initialize takes them
  // in (ThreadSanitizer found the inversion when the module lock came after the log's).
  pthread_once(&gAtforkOnce, registerAtfork);
  nethsm::armForkHandlers();
  gModule = new std::shared_ptr<Module>(std::make_shared<Module>(config.value(), threadsAllowed));
  gModulePid = getpid();
  log::info("initialized with " + std::to_string(config->slots.size()) + " slot(s)");
  return CKR_OK;
}

CK_RV finalizeModule(const void* reserved) {
  if (reserved) return CKR_ARGUMENTS_BAD;
  std::shared_ptr<Module>* holder = nullptr;
  {
    WriteLock lock;
    if (!gModule || gModulePid != getpid()) return CKR_CRYPTOKI_NOT_INITIALIZED;
    holder = gModule;
    gModule = nullptr;
  }
  (*holder)->shutdown();  // wakes C_WaitForSlotEvent, joins health checkers
  delete holder;          // the last user frees the state
  log::shutdown();
  return CKR_OK;
}

// steady_clock is CLOCK_MONOTONIC on Linux (libstdc++).
void stopModuleThreadsForHostExit(std::chrono::steady_clock::time_point deadline) {
  const timespec until = asTimespec(deadline);
  if (pthread_rwlock_clockrdlock(&gModuleLock, CLOCK_MONOTONIC, &until) != 0) return;
  std::shared_ptr<Module> module;
  if (gModule && gModulePid == getpid()) module = *gModule;
  pthread_rwlock_unlock(&gModuleLock);
  if (module) module->shutdown();  // wakes C_WaitForSlotEvent, joins the health checkers
}

bool releaseModuleForHostExit(std::chrono::steady_clock::time_point deadline) {
  const timespec until = asTimespec(deadline);
  if (pthread_rwlock_clockwrlock(&gModuleLock, CLOCK_MONOTONIC, &until) != 0) return false;
  std::shared_ptr<Module>* holder = nullptr;
  if (gModulePid == getpid()) std::swap(holder, gModule);
  pthread_rwlock_unlock(&gModuleLock);
  if (!holder) return false;
  (*holder)->shutdown();
  delete holder;  // no call is in flight: this is the last reference
  log::info("the host ended without C_Finalize: module released");
  return true;
}

}  // namespace p11nethsm::core
