#pragma once
// HTTP Basic authentication with NetHSM roles and namespaces, and the firmware's
// 1-second rate limit after a failed login (BEHAVIOUR.md §2).
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "store.hpp"

namespace p11nethsm::mock {

struct Caller {
  UserName name;
  std::string role;
};

enum class AuthResult { kOk, kMissing, kInvalid, kRateLimited };

class RateLimiter {
 public:
  // True while (ip, key) is inside the 1-second window after a recorded failure.
  bool limited(const std::string& ip, const std::string& key);
  void recordFailure(const std::string& ip, const std::string& key);
  // As if the window had passed for everyone (in-process tests, which never sleep).
  void expireAll();

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point> failures_;
};

// Checks the Authorization header against the store. The store mutex must NOT be held.
AuthResult authenticate(const std::string& authorization, const std::string& clientIp, Store& store,
                        RateLimiter& limiter, Caller& caller);

}  // namespace p11nethsm::mock
