#pragma once
// What the transport does when the host process exits, unloads the module or forks
// (docs/lifetime.md). Process-wide on purpose: these events concern every slot.
//
// Exit or unload without C_Finalize (core/host_exit.cpp): after abortAllTransfers()
// every transfer in flight gives up at once, no new one starts, and retry delays end.
// There is no way back: it is only called when the module's code or its libraries
// are about to go away.
#include <curl/curl.h>

#include <atomic>
#include <chrono>

namespace p11nethsm::transport {

void abortAllTransfers();
bool transfersAborted();

// Sleeps `duration` unless abortAllTransfers() comes first; false if it did.
bool sleepUnlessAborted(std::chrono::milliseconds duration);

// CURLOPT_OPENSOCKETFUNCTION / CURLOPT_CLOSESOCKETFUNCTION of every pooled handle: the
// module's sockets are known, so abortAllTransfers() shuts them down and a transfer
// waiting for an answer wakes at once, not at libcurl's next progress tick (up to
// 1 s). Sockets are opened close-on-exec, so a host's exec'd children inherit none.
curl_socket_t openTrackedSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address);
int closeTrackedSocket(void* clientp, curl_socket_t socket);

// fork(): a child that inherits an OpenSSL lock held by a parent thread hangs on it
// (measured: 1 child in 1,000 stuck in EVP_CIPHER_fetch while 8 threads signed).
// Module work that may use OpenSSL — each Cryptoki call but C_WaitForSlotEvent, each
// health probe — runs inside an ActivityScope. The prepare handler waits until none
// runs (at most kForkQuiesceBound: a slow appliance must not hold the host's fork()
// for long; a transfer waiting for its answer holds no OpenSSL lock) and holds new
// ones back until fork() has returned. The child forgets the parent's activity,
// tracked sockets (never shut them down from there: they are the parent's) and locks.
inline constexpr std::chrono::milliseconds kForkQuiesceBound{1000};

class ActivityScope {
 public:
  // `giveUp`: stop waiting for a fork to finish once it is true (health probes at
  // stop(): entered() is then false and the work must be skipped).
  explicit ActivityScope(const std::atomic<bool>* giveUp = nullptr);
  ~ActivityScope();
  ActivityScope(const ActivityScope&) = delete;
  ActivityScope& operator=(const ActivityScope&) = delete;
  bool entered() const { return entered_; }

 private:
  bool entered_ = false;
};

// Registers the fork handlers once. Called after log::configure, so that the
// prepare handler runs before the log's, which holds the log's lock until fork()
// returns (prepare handlers run newest first) and would stall a call that logs.
void armForkHandlers();

// libcurl and OpenSSL initialised, so that their own exit handlers (OPENSSL_cleanup
// is registered with atexit) are registered before the caller registers its own.
void initializeNetworkLibraries();

}  // namespace p11nethsm::transport
