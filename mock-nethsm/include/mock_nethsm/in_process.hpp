#pragma once
// mock-nethsm without a socket: the same route table, handlers, store and order of
// checks as the HTTPS mock (mock.hpp), called in the caller's thread. Unit tests put
// it behind the module's transport seam (tests/support/fake_appliance.hpp): no TLS,
// no thread, no port. Instances share one store, like a cluster. Thread-safe.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mock_nethsm/mock.hpp"

namespace p11nethsm::mock {

struct InProcessOptions {
  std::string firmware = "4.0";  // as --firmware; an unknown version throws
  int instances = 1;
};

struct InProcessRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/api/v1/keys?filter=x": path and query, percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct InProcessAnswer {
  // What a connection fault rule (addFault) did instead of a normal answer.
  enum class Connection { kAnswered, kReset, kStalled, kClosedAfterProcessing };
  Connection connection = Connection::kAnswered;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header of that name (case-insensitive), empty when absent.
  std::string header(const std::string& name) const;
};

// A key as the store holds it (tests count and inspect them without HTTP).
struct StoredKey {
  std::string ns;  // "" for the root namespace
  std::string id;
  std::string label;  // firmware 5.0 labels; "" when none
};

class InProcessNetHsm {
 public:
  explicit InProcessNetHsm(InProcessOptions options = {});
  ~InProcessNetHsm();
  InProcessNetHsm(const InProcessNetHsm&) = delete;
  InProcessNetHsm& operator=(const InProcessNetHsm&) = delete;

  size_t instanceCount() const;
  // Same as MockNetHsm::provision / addUser.
  void provision(const std::string& adminPassphrase, const std::string& unlockPassphrase);
  void addUser(const std::string& userId, const std::string& role, const std::string& passphrase);
  void addFault(size_t instance, FaultRule rule);
  void clearFaults(size_t instance);
  // The firmware's 1 s window after a failed login ends now for everyone (no sleep).
  void endRateLimitWindows();

  // Serves one request on `instance` as the HTTPS server would after reading it.
  InProcessAnswer handle(size_t instance, const InProcessRequest& request);

  std::vector<StoredKey> keys() const;
  // Requests served per endpoint "METHOD /path-template", as MockNetHsm::endpointCount.
  uint64_t endpointCount(size_t instance, const std::string& endpoint) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p11nethsm::mock
