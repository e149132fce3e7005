#pragma once
// Process-wide end of network work, for a host that exits or unloads the module
// without C_Finalize (core/host_exit.cpp, docs/lifetime.md). After abortAllTransfers()
// every transfer in flight gives up at its next libcurl progress tick, no new one
// starts, and retry delays end at once. There is no way back: it is only called when
// the module's code or its libraries are about to go away.
#include <curl/curl.h>

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

// fork() child: the tracked sockets belong to the parent (never shut them down from
// here) and a lock may have been held by a parent thread.
void forgetAfterFork();

// libcurl and OpenSSL initialised, so that their own exit handlers (OPENSSL_cleanup
// is registered with atexit) are registered before the caller registers its own.
void initializeNetworkLibraries();

}  // namespace p11nethsm::transport
