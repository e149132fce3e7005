#include "transport/process_guard.hpp"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

namespace p11nethsm::transport {
namespace {

// Plain C objects: no static object of the module has a non-trivial destructor
// (DESIGN.md "Lifetime"); these are used while the host exits.
std::atomic<bool> gAborted{false};
pthread_mutex_t gWakeMutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t gWake = PTHREAD_COND_INITIALIZER;  // CLOCK_REALTIME; waits use clockwait
pthread_once_t gLibrariesOnce = PTHREAD_ONCE_INIT;

timespec monotonicAfter(std::chrono::milliseconds duration) {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  const long long ns = static_cast<long long>(t.tv_nsec) +
                       std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
  t.tv_sec += static_cast<time_t>(ns / 1000000000LL);
  t.tv_nsec = static_cast<long>(ns % 1000000000LL);
  return t;
}

// The module's open sockets; -1 marks a free place. Registered and removed under
// gSocketsMutex, and closed before removal under it too, so a shutdown() from
// abortAllTransfers() never meets a number the kernel has given to another file.
// Sockets beyond the table are not tracked: their transfers end at the next tick.
constexpr size_t kTrackedSockets = 1024;
int gSockets[kTrackedSockets];
size_t gSocketsUsed = 0;  // places [0, gSocketsUsed) have been used at least once
pthread_mutex_t gSocketsMutex = PTHREAD_MUTEX_INITIALIZER;

// The fork gate (ActivityScope): how many scopes run, and whether a fork is being
// prepared. Every Cryptoki call enters it, so entering and leaving are one atomic
// each, no lock (issue 11: a global mutex taken twice per call by every thread). The
// two sides pair up like Dekker's: a scope counts itself in, then looks at gForking;
// the fork sets gForking, then looks at the count (both sequentially consistent), so
// at least one of them sees the other. gGateMutex and gGate serve only the waits: the
// fork's for the count to reach 0, a scope's for the fork to be over.
pthread_mutex_t gGateMutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t gGate = PTHREAD_COND_INITIALIZER;  // waits use clockwait (monotonic)
pthread_once_t gForkOnce = PTHREAD_ONCE_INIT;
std::atomic<long> gActive{0};
std::atomic<bool> gForking{false};

void broadcastGate() {
  pthread_mutex_lock(&gGateMutex);
  pthread_cond_broadcast(&gGate);
  pthread_mutex_unlock(&gGateMutex);
}

// A scope leaves; the last one out while a fork waits wakes it.
void leaveGate() {
  if (gActive.fetch_sub(1) == 1 && gForking.load()) broadcastGate();
}

void prepareFork() {
  const timespec until = monotonicAfter(kForkQuiesceBound);
  pthread_mutex_lock(&gGateMutex);
  gForking.store(true);
  int rc = 0;
  while (gActive.load() > 0 && rc == 0)
    rc = pthread_cond_clockwait(&gGate, &gGateMutex, CLOCK_MONOTONIC, &until);
  pthread_mutex_unlock(&gGateMutex);
}

void resumeAfterFork() {
  gForking.store(false);
  broadcastGate();  // a scope that saw the flag set waits on gGate under the mutex
}

void childAfterFork() {
  pthread_mutex_init(&gGateMutex, nullptr);
  pthread_cond_init(&gGate, nullptr);
  gActive.store(0);
  gForking.store(false);
  pthread_mutex_init(&gSocketsMutex, nullptr);
  pthread_mutex_init(&gWakeMutex, nullptr);
  pthread_cond_init(&gWake, nullptr);
  gSocketsUsed = 0;
}

void registerForkHandlers() { pthread_atfork(prepareFork, resumeAfterFork, childAfterFork); }

void shutdownTrackedSockets() {
  pthread_mutex_lock(&gSocketsMutex);
  for (size_t i = 0; i < gSocketsUsed; ++i)
    if (gSockets[i] >= 0) shutdown(gSockets[i], SHUT_RDWR);
  pthread_mutex_unlock(&gSocketsMutex);
}

void initializeOnce() {
  // curl_global_init is thread-safe and reference counted (libcurl >= 7.84); like
  // handle_pool.cpp we never call curl_global_cleanup. It initialises OpenSSL too;
  // OPENSSL_init_ssl makes sure of it whichever TLS backend curl has.
  curl_global_init(CURL_GLOBAL_DEFAULT);
  OPENSSL_init_ssl(0, nullptr);
}

}  // namespace

void abortAllTransfers() {
  pthread_mutex_lock(&gWakeMutex);
  gAborted.store(true);
  pthread_cond_broadcast(&gWake);
  pthread_mutex_unlock(&gWakeMutex);
  shutdownTrackedSockets();  // poll() in a transfer returns; its progress check aborts
}

curl_socket_t openTrackedSocket(void*, curlsocktype, curl_sockaddr* address) {
  const int fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  pthread_mutex_lock(&gSocketsMutex);
  size_t i = 0;
  while (i < gSocketsUsed && gSockets[i] >= 0) ++i;
  if (i < kTrackedSockets) {
    gSockets[i] = fd;
    gSocketsUsed = std::max(gSocketsUsed, i + 1);
  }
  pthread_mutex_unlock(&gSocketsMutex);
  return fd;
}

int closeTrackedSocket(void*, curl_socket_t fd) {
  pthread_mutex_lock(&gSocketsMutex);
  for (size_t i = 0; i < gSocketsUsed; ++i)
    if (gSockets[i] == fd) gSockets[i] = -1;
  const int rc = close(fd);
  pthread_mutex_unlock(&gSocketsMutex);
  return rc;
}

ActivityScope::ActivityScope(const std::atomic<bool>* giveUp) {
  for (;;) {
    gActive.fetch_add(1);
    if (!gForking.load()) {
      entered_ = true;
      return;
    }
    leaveGate();  // a fork is being prepared: step back and wait until it is over
    pthread_mutex_lock(&gGateMutex);
    while (gForking.load() && !(giveUp && giveUp->load())) {
      const timespec slice = monotonicAfter(std::chrono::milliseconds(10));
      pthread_cond_clockwait(&gGate, &gGateMutex, CLOCK_MONOTONIC, &slice);
    }
    const bool gaveUp = gForking.load();
    pthread_mutex_unlock(&gGateMutex);
    if (gaveUp) return;  // entered_ stays false: the caller skips its work
  }
}

ActivityScope::~ActivityScope() {
  if (entered_) leaveGate();
}

void armForkHandlers() { pthread_once(&gForkOnce, registerForkHandlers); }

bool transfersAborted() { return gAborted.load(std::memory_order_relaxed); }

bool sleepUnlessAborted(std::chrono::milliseconds duration) {
  const timespec until = monotonicAfter(duration);
  pthread_mutex_lock(&gWakeMutex);
  int rc = 0;
  while (!gAborted.load() && rc == 0)
    rc = pthread_cond_clockwait(&gWake, &gWakeMutex, CLOCK_MONOTONIC, &until);
  const bool aborted = gAborted.load();
  pthread_mutex_unlock(&gWakeMutex);
  return !aborted;
}

void initializeNetworkLibraries() { pthread_once(&gLibrariesOnce, initializeOnce); }

}  // namespace p11nethsm::transport
