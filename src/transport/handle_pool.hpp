#pragma once
// A bounded pool of libcurl easy handles for ONE instance (issue 4 §3). Each handle
// owns one keep-alive connection (CURLOPT_MAXCONNECTS 1) and is lent to one thread
// at a time; idle handles beyond max_idle_connections are closed. TLS sessions and
// DNS answers are shared between the instance's handles through a CURLSH, so a new
// handle resumes TLS instead of a full handshake. A handle that saw a transport
// error is discarded alone: other handles and other instances keep their connections.
#include <curl/curl.h>

#include <array>
#include <atomic>
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

  Result<Lease> borrow();
  // Closes idle handles (their connections go to an instance now known failed).
  void clearIdle();

  const PoolSettings& settings() const { return settings_; }
  size_t created() const { return created_.load(); }
  size_t discarded() const { return discarded_.load(); }
  size_t idleCount() const;

 private:
  CURL* createHandle();
  void giveBack(CURL* handle, bool broken);
  static void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlockShare(CURL*, curl_lock_data data, void* self);

  const PoolSettings settings_;
  CURLSH* share_ = nullptr;
  curl_slist* resolve_ = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> shareLocks_;
  mutable std::mutex mutex_;
  std::vector<CURL*> idle_;  // guarded by mutex_
  std::atomic<size_t> created_{0};
  std::atomic<size_t> discarded_{0};
};

}  // namespace p11nethsm::transport
