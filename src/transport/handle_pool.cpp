#include "transport/handle_pool.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <thread>

#include "log/log.hpp"
#include "transport/exchange.hpp"
#include "transport/handle_state.hpp"
#include "transport/process_guard.hpp"

namespace p11nethsm::transport {

namespace {

// curl_global_init is thread-safe in libcurl ≥ 7.84 (Debian 12 ships 7.88); we call
// it once and never curl_global_cleanup, which would break a host program that
// uses libcurl itself. std::once_flag is trivially destructible (no static dtor).
std::once_flag gCurlInitOnce;

void ensureCurlGlobalInit() {
  std::call_once(gCurlInitOnce, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// CURLOPT_SOCKOPTFUNCTION: libcurl sets TCP_KEEPIDLE/KEEPINTVL itself but has no
// option for the probe count, so TCP_KEEPCNT is set here (Linux).
int setKeepaliveCount(void* clientp, curl_socket_t fd, curlsocktype purpose) {
  const auto* settings = static_cast<const PoolSettings*>(clientp);
  if (purpose == CURLSOCKTYPE_IPCXN && settings->keepalive) {
    int count = static_cast<int>(settings->keepalive->retries);
    if (count > 0) setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
  }
  return CURL_SOCKOPT_OK;
}

// libcurl looks up these variables (and no_proxy) again on every request. Read once
// when a handle is made: with none of them set, the handle is told "no proxy", which
// spares a dozen getenv calls per request and changes nothing else.
bool proxyFromEnvironment() {
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

}  // namespace

size_t defaultMaxIdleConnections() {
  size_t threads = std::thread::hardware_concurrency();
  return std::max<size_t>(4, 2 * threads);
}

PoolSettings PoolSettings::forInstance(const config::SlotConfig& slot, size_t instance,
                                       const std::vector<std::string>& resolveOverrides) {
  const config::InstanceConfig& cfg = slot.instances.at(instance);
  PoolSettings s;
  s.baseUrl = cfg.url;
  while (!s.baseUrl.empty() && s.baseUrl.back() == '/') s.baseUrl.pop_back();
  s.maxIdle = cfg.maxIdleConnections.value_or(defaultMaxIdleConnections());
  s.maxConnections = std::max<size_t>(1, cfg.maxConnections);
  s.tls = TlsPolicy::fromInstance(cfg);
  s.keepalive = slot.tcpKeepalive;
  s.maxIdleSeconds = slot.connectionsMaxIdleSeconds;
  s.resolveOverrides = resolveOverrides;
  return s;
}

HandlePool::HandlePool(PoolSettings settings) : settings_(std::move(settings)) {
  ensureCurlGlobalInit();
  share_ = curl_share_init();
  if (share_ != nullptr) {
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &HandlePool::lockShare);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &HandlePool::unlockShare);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    // DNS answers only. TLS sessions are not shared between handles: with keep-alive
    // a handle handshakes once in its life, and a session shared across threads had
    // one thread free it inside libcrypto while another resumed it (ThreadSanitizer,
    // 16-thread stress test).
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
  for (const std::string& entry : settings_.resolveOverrides) {
    resolve_ = curl_slist_append(resolve_, entry.c_str());
  }
  if (settings_.tls.insecure && settings_.announceInsecure) {
    log::warn("TLS verification disabled (danger_insecure_cert) for " + settings_.baseUrl);
  }
}

HandlePool::~HandlePool() {
  clearIdle();
  if (share_ != nullptr) curl_share_cleanup(share_);
  curl_slist_free_all(resolve_);
}

void HandlePool::lockShare(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<HandlePool*>(self)->shareLocks_.at(static_cast<size_t>(data)).lock();
}

void HandlePool::unlockShare(CURL*, curl_lock_data data, void* self) {
  static_cast<HandlePool*>(self)->shareLocks_.at(static_cast<size_t>(data)).unlock();
}

// Options that stay for the handle's life; per-request ones are set in exchange.cpp.
CURL* HandlePool::createHandle() {
  CURL* h = curl_easy_init();
  if (h == nullptr) return nullptr;
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));            // no SIGALRM in a host process
  set(curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L));         // one connection per handle
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https"));  // never Basic auth in clear
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, "p11nethsm"));  // names us in appliance logs
  // Known sockets: a host's exit or dlclose wakes transfers at once (process_guard.hpp).
  set(curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &openTrackedSocket));
  set(curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, &closeTrackedSocket));
  if (share_ != nullptr) set(curl_easy_setopt(h, CURLOPT_SHARE, share_));
  if (resolve_ != nullptr) set(curl_easy_setopt(h, CURLOPT_RESOLVE, resolve_));
  if (settings_.maxIdleSeconds) {
    set(curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, static_cast<long>(*settings_.maxIdleSeconds)));
  }
  if (settings_.keepalive) {
    set(curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L));
    set(curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE,
                         static_cast<long>(settings_.keepalive->timeSeconds)));
    set(curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL,
                         static_cast<long>(settings_.keepalive->intervalSeconds)));
    set(curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, &setKeepaliveCount));
    set(curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, const_cast<PoolSettings*>(&settings_)));
  }
  if (!proxyFromEnvironment()) {
    set(curl_easy_setopt(h, CURLOPT_PROXY, ""));
    set(curl_easy_setopt(h, CURLOPT_NOPROXY, ""));
  }
  set(applyTlsPolicy(h, settings_.tls));
  setExchangeOptions(h);
  if (rc != CURLE_OK) {
    log::error(std::string("curl handle set-up failed: ") + curl_easy_strerror(rc));
    curl_easy_cleanup(h);
    return nullptr;
  }
  Result<std::unique_ptr<HandleState>> state = HandleState::create(settings_.baseUrl);
  if (!state.ok()) {
    log::error(state.error().message);
    curl_easy_cleanup(h);
    return nullptr;
  }
  HandleState::attach(h, std::move(*state));
  created_.fetch_add(1);
  return h;
}

namespace {
// Compared, never dereferenced: a stale value only loses the preference.
thread_local struct {
  const HandlePool* pool;
  CURL* handle;
} tLastUsed{nullptr, nullptr};
}  // namespace

Result<HandlePool::Lease> HandlePool::borrow(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  while (idle_.empty() && open_ >= settings_.maxConnections) {
    ++waiting_;
    const bool freed = freed_.wait_until(
        lock, deadline, [&] { return !idle_.empty() || open_ < settings_.maxConnections; });
    --waiting_;
    if (!freed) {
      return makeError(ErrorKind::kTransport,
                       settings_.baseUrl + ": no free connection within the call's timeout (all " +
                           std::to_string(settings_.maxConnections) +
                           " of max_connections in use); nothing was sent");
    }
  }
  if (!idle_.empty()) {
    // The handle this thread used last if it is idle (its state is in this core's
    // cache, not another's), else the most recently returned one.
    auto chosen = idle_.end() - 1;
    if (tLastUsed.pool == this) {
      for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        if (it->handle == tLastUsed.handle) {
          chosen = std::prev(it.base());
          break;
        }
      }
    }
    CURL* h = chosen->handle;
    idle_.erase(chosen);
    std::vector<CURL*> expired = expiredIdleLocked(Clock::now());
    lock.unlock();
    closeHandles(expired);
    return lend(h);
  }
  ++open_;  // reserved before the unlocked curl_easy_init, so the bound holds
  lock.unlock();
  CURL* h = createHandle();
  if (h == nullptr) {
    {
      std::lock_guard relock(mutex_);
      --open_;
    }
    freed_.notify_one();
    return makeError(ErrorKind::kInternal, "cannot create a curl handle");
  }
  return lend(h);
}

HandlePool::Lease HandlePool::lend(CURL* handle) {
  tLastUsed = {this, handle};
  return Lease(this, handle);
}

std::vector<CURL*> HandlePool::expiredIdleLocked(Clock::time_point now) {
  std::vector<CURL*> expired;
  // idle_ is ordered by return time: the front has been unused longest.
  while (idle_.size() > settings_.maxIdle && waiting_ == 0 &&
         now - idle_.front().since >= settings_.idleGrace) {
    expired.push_back(idle_.front().handle);
    idle_.erase(idle_.begin());
    --open_;
  }
  return expired;
}

void HandlePool::closeHandles(const std::vector<CURL*>& handles) {
  for (CURL* h : handles) {
    discarded_.fetch_add(1);
    destroyHandle(h);  // closes its connection; no lock held
  }
  if (!handles.empty()) freed_.notify_all();
}

void HandlePool::giveBack(CURL* handle, bool broken) {
  std::vector<CURL*> closing;
  {
    std::lock_guard lock(mutex_);
    if (broken) {
      --open_;
      closing.push_back(handle);
    } else {
      idle_.push_back({handle, Clock::now()});
    }
    std::vector<CURL*> expired = expiredIdleLocked(Clock::now());
    closing.insert(closing.end(), expired.begin(), expired.end());
  }
  freed_.notify_one();
  closeHandles(closing);
}

void HandlePool::clearIdle() {
  std::vector<CURL*> victims;
  {
    std::lock_guard lock(mutex_);
    for (const auto& idle : idle_) victims.push_back(idle.handle);
    open_ -= idle_.size();
    idle_.clear();
  }
  closeHandles(victims);
}

void HandlePool::trimIdle() {
  std::vector<CURL*> expired;
  {
    std::lock_guard lock(mutex_);
    expired = expiredIdleLocked(Clock::now());
  }
  closeHandles(expired);
}

size_t HandlePool::idleCount() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

size_t HandlePool::openCount() const {
  std::lock_guard lock(mutex_);
  return open_;
}

size_t HandlePool::waitingCount() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

HandlePool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), handle_(other.handle_), broken_(other.broken_) {
  other.handle_ = nullptr;
}

HandlePool::Lease::~Lease() {
  if (handle_ != nullptr) pool_->giveBack(handle_, broken_);
}

}  // namespace p11nethsm::transport
