#pragma once
// A bounded pool of libcurl easy handles for ONE instance (issue 4 §3, issue 11). Each
// handle owns one keep-alive connection (CURLOPT_MAXCONNECTS 1) and is lent to one
// thread at a time. At most max_connections handles exist: a caller beyond that waits
// for one to come back, until its deadline. Idle handles beyond max_idle_connections
// are closed once unused for PoolSettings::idleGrace (10 s), so a steady load with
// more threads than max_idle_connections does not close and re-open (re-handshake)
// connections all the time. A thread gets back the handle it used last when that one is
// idle (its state is still in that core's cache), else the most recently returned one.
// DNS answers are shared between the instance's handles through a CURLSH.
// A handle that saw a transport error is discarded alone: other handles and other instances keep
// their connections.
#include <curl/curl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "transport/tls_policy.hpp"
#include "util/result.hpp"

namespace p11nethsm::transport {

struct PoolSettings {
  std::string baseUrl;  // e.g. https://host:8443/api/v1
  size_t maxIdle = 4;
  size_t maxConnections = config::kDefaultMaxConnections;
  // How long an idle handle beyond maxIdle stays open unused (tests shorten it).
  std::chrono::milliseconds idleGrace{10000};
  TlsPolicy tls;
  std::optional<config::TcpKeepaliveConfig> keepalive;  // unset: no SO_KEEPALIVE
  std::optional<unsigned> maxIdleSeconds;               // CURLOPT_MAXAGE_CONN
  std::vector<std::string> resolveOverrides;            // CURLOPT_RESOLVE
  bool announceInsecure = true;  // log the danger_insecure_cert warning (not after fork)

  static PoolSettings forInstance(const config::SlotConfig& slot, size_t instance,
                                  const std::vector<std::string>& resolveOverrides);
};

// max_idle_connections default: twice the hardware threads, at least 4.
size_t defaultMaxIdleConnections();

class HandlePool {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HandlePool(PoolSettings settings);
  ~HandlePool();
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  // A borrowed handle; returned to the pool on destruction unless marked broken.
  class Lease {
   public:
    Lease(HandlePool* pool, CURL* handle) : pool_(pool), handle_(handle) {}
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    CURL* get() const { return handle_; }
    void markBroken() { broken_ = true; }

   private:
    HandlePool* pool_;
    CURL* handle_;
    bool broken_ = false;
  };

  // A handle, waiting until `deadline` while max_connections are lent out. Fails with
  // ErrorKind::kTransport ("no free connection") when none came back in time; nothing
  // was sent then.
  Result<Lease> borrow(Clock::time_point deadline);
  // Closes idle handles (their connections go to an instance now known failed).
  void clearIdle();
  // Closes idle handles beyond max_idle_connections unused for idleGrace (also done
  // on every borrow and return; the health checker calls it when traffic stops).
  void trimIdle();

  const PoolSettings& settings() const { return settings_; }
  size_t created() const { return created_.load(); }
  size_t discarded() const { return discarded_.load(); }
  size_t idleCount() const;
  size_t openCount() const;     // handles that exist: lent out + idle
  size_t waitingCount() const;  // callers blocked in borrow() (tests wait on it)

 private:
  struct IdleHandle {
    CURL* handle;
    Clock::time_point since;
  };
  CURL* createHandle();
  // Lends `handle` to the calling thread and remembers it as the thread's last one.
  Lease lend(CURL* handle);
  void giveBack(CURL* handle, bool broken);
  // Takes idle handles to close out of the pool; the caller closes them unlocked.
  std::vector<CURL*> expiredIdleLocked(Clock::time_point now);
  void closeHandles(const std::vector<CURL*>& handles);
  static void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlockShare(CURL*, curl_lock_data data, void* self);

  const PoolSettings settings_;
  CURLSH* share_ = nullptr;
  curl_slist* resolve_ = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> shareLocks_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;  // a handle came back or was closed
  std::vector<IdleHandle> idle_;   // guarded by mutex_; most recently returned last
  size_t open_ = 0;                // guarded by mutex_
  size_t waiting_ = 0;             // guarded by mutex_: callers blocked in borrow()
  std::atomic<size_t> created_{0};
  std::atomic<size_t> discarded_{0};
};

}  // namespace p11nethsm::transport
