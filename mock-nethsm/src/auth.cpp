#include "auth.hpp"

#include "codec.hpp"
#include "firmware.hpp"

namespace p11nethsm::mock {

namespace {
constexpr auto kRateWindow = std::chrono::seconds(1);
}

bool RateLimiter::limited(const std::string& ip, const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = failures_.find({ip, key});
  if (it == failures_.end()) return false;
  if (std::chrono::steady_clock::now() - it->second < kRateWindow) return true;
  failures_.erase(it);
  return false;
}

void RateLimiter::recordFailure(const std::string& ip, const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_[{ip, key}] = std::chrono::steady_clock::now();
}

void RateLimiter::expireAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_.clear();
}

AuthResult authenticate(const std::string& authorization, const std::string& clientIp, Store& store,
                        RateLimiter& limiter, Caller& caller) {
  if (authorization.empty()) return AuthResult::kMissing;
  const std::string prefix = "Basic ";
  if (authorization.compare(0, prefix.size(), prefix) != 0) return AuthResult::kInvalid;
  auto decoded = base64Decode(authorization.substr(prefix.size()));
  if (!decoded) return AuthResult::kInvalid;
  std::string text = toString(*decoded);
  auto colon = text.find(':');
  if (colon == std::string::npos) return AuthResult::kInvalid;
  std::string userName = text.substr(0, colon);
  std::string password = text.substr(colon + 1);
  auto name = splitUserName(userName);
  // Malformed names are rejected without arming the rate limit (BEHAVIOUR.md §2).
  Firmware syntax;  // the widest ID syntax; stricter firmware rejects on creation
  if (!name || !validId(name->id, syntax) || (!name->ns.empty() && !validId(name->ns, syntax))) {
    return AuthResult::kInvalid;
  }
  if (limiter.limited(clientIp, userName)) return AuthResult::kRateLimited;
  std::lock_guard<std::mutex> lock(store.mutex());
  auto it = store.users.find(userName);
  if (it == store.users.end() || !store.checkUserPassphrase(it->second, password)) {
    limiter.recordFailure(clientIp, userName);
    return AuthResult::kInvalid;
  }
  // A namespaced user is authorised only once its namespace exists.
  if (!name->ns.empty() && store.namespaces.count(name->ns) == 0) return AuthResult::kInvalid;
  caller.name = *name;
  caller.role = it->second.role;
  return AuthResult::kOk;
}

}  // namespace p11nethsm::mock
