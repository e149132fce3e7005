#pragma once
// The host may never call C_Finalize (DESIGN.md "Lifetime", docs/lifetime.md): it may
// exit, dlclose the module, or exit from one thread while others are inside calls.
// A handler registered with atexit() from inside the module runs at exit() (before
// OPENSSL_cleanup, which was registered earlier) and at dlclose() (glibc runs a
// library's atexit handlers before unmapping it). It refuses new calls, aborts the
// transfers in flight, joins the module's threads and, once no call is in flight,
// releases everything as C_Finalize would. It never blocks for longer than
// kHostExitBound.
#include <chrono>
#include <optional>

#include "nethsm/process_hooks.hpp"

namespace p11nethsm::core {

inline constexpr std::chrono::milliseconds kHostExitBound{2000};

// One Cryptoki call in flight (the abi guard holds one per call). A call that
// begins after the host started to exit or unload is refused: open() is false and
// the call must not touch any module state. `forkQuiesce`: a fork() waits for the
// call (nethsm::ActivityScope) — all calls but C_WaitForSlotEvent, which only
// waits on a condition variable and may block for ever.
class CallGate {
 public:
  explicit CallGate(bool forkQuiesce = true) noexcept;
  ~CallGate();
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;
  bool open() const { return open_; }

 private:
  bool open_;
  std::optional<nethsm::ActivityScope> activity_;
};

// Registers the exit/unload handler once per load of the library; called by
// C_Initialize before any module thread exists.
void armHostExitHandler();

// fork() child: the parent's calls in flight do not exist here.
void forgetCallsInFlightAfterFork();

}  // namespace p11nethsm::core
