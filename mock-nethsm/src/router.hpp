#pragma once
// Declarative route table for /api/v1 and the firmware's (webmachine) order of checks:
// state (412) → known method (501) → URI length (414) → allowed method (405) → auth
// (401/429) → role (403) → Content-Type (415) → body length (413) → Accept (406) →
// handler (BEHAVIOUR.md §3).
#include <cstddef>
#include <string>
#include <vector>

#include "api_context.hpp"

namespace p11nethsm::mock {

// States in which a resource answers (bit set of HsmState).
enum StateMask : unsigned {
  kUnprovisioned = 1u << 0,
  kLocked = 1u << 1,
  kOperational = 1u << 2,
  kAnyState = 7u,
};

enum class Access {
  kPublic,
  kOperator,         // any namespace
  kMetrics,          // any namespace
  kAdminOrOperator,  // own namespace
  kAdmin,            // own namespace
  kRootAdmin,        // "R-Administrator"
  kRootBackup,
  kSelfOrAdmin,               // Administrator, or an Operator on its own user (params[0])
  kRootAdminWhenOperational,  // public in Locked/Unprovisioned (shutdown, restore)
};

enum class Produces { kJson, kPem, kOctet };

struct Endpoint {
  std::string method;
  std::string path;  // template below /api/v1: "/keys/{id}/sign", "/keys/{prefix}*"
  unsigned states = kOperational;
  Access access = Access::kPublic;
  Handler handler;
  Produces produces = Produces::kJson;
  // Content types accepted in the body; empty: any. Enforced (415) when strictType.
  std::vector<std::string> consumes{"application/json"};
  bool strictType = false;
  size_t maxBody = 1u << 20;
  bool etag = false;
  int minMajor = 0, minMinor = 0;  // first firmware version serving it
};

class Router {
 public:
  void add(Endpoint endpoint);
  // Serves one request below /api/v1 (`path` without the prefix).
  void dispatch(Ctx& ctx, const std::string& path) const;
  // Template key "METHOD /path" of the endpoint serving the request, for counters.
  std::string endpointKey(const std::string& method, const std::string& path,
                          const Firmware& fw) const;
  const std::vector<Endpoint>& endpoints() const { return endpoints_; }

 private:
  bool matches(const Endpoint& e, const std::string& path, std::vector<std::string>& params,
               const Firmware& fw) const;
  bool authorize(Ctx& ctx, const Endpoint& e, HsmState current) const;
  bool checkMedia(Ctx& ctx, const Endpoint& e) const;
  std::vector<Endpoint> endpoints_;
};

// Builds the whole NetHSM route table (routes_*.cpp).
Router buildApiRouter();
void addSystemRoutes(Router& r);
void addUserRoutes(Router& r);
void addKeyRoutes(Router& r);
void addKeyExtraRoutes(Router& r);
void addCryptoRoutes(Router& r);
void addConfigRoutes(Router& r);
void addBackupRoutes(Router& r);
void addTlsConfigRoutes(Router& r);

}  // namespace p11nethsm::mock
