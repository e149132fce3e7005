#pragma once
// The loopback-only control interface of the CLI mock, outside /api/v1:
// /_mock/... on every instance's port (README.md "Control interface").
#include <httplib.h>

#include <chrono>
#include <map>
#include <string>

#include "mock_nethsm/mock.hpp"
#include "tls_identity.hpp"

namespace p11nethsm::mock {

// What the control interface may do to the whole mock (implemented by MockNetHsm).
class ClusterControl {
 public:
  virtual ~ClusterControl() = default;
  virtual size_t controlInstanceCount() const = 0;
  virtual void controlAddFault(size_t instance, const FaultRule& rule) = 0;
  virtual void controlClearFaults(size_t instance) = 0;
  virtual void controlSetLatency(size_t instance, std::chrono::milliseconds fixed,
                                 std::chrono::milliseconds randomExtra) = 0;
  // Down for `seconds` (0: until set up again) — run from a helper thread.
  virtual void controlSetDown(size_t instance, bool down, int seconds) = 0;
  virtual bool controlSwitchCertificate(size_t instance) = 0;  // fresh self-signed
  virtual std::string controlFingerprint(size_t instance) const = 0;
  virtual MockCounters controlCounters(size_t instance) const = 0;
  virtual std::map<std::string, uint64_t> controlEndpointCounts(size_t instance) const = 0;
  virtual void controlResetCounters() = 0;
};

// Serves a /_mock request; the caller has checked the peer is loopback.
void handleControl(const httplib::Request& req, httplib::Response& res, ClusterControl& control);

bool isLoopback(const std::string& address);

}  // namespace p11nethsm::mock
