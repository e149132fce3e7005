#pragma once
// What a route handler sees: the shared core (store, firmware, metrics), its instance
// (counters, faults, rate limiter) and one request with its reply helpers.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth.hpp"
#include "faults.hpp"
#include "firmware.hpp"
#include "store.hpp"
#include "tls_identity.hpp"

namespace p11nethsm::mock {

class ClusterControl;  // the /_mock control interface acts on the whole mock

// State shared by every instance of a cluster (one appliance cluster = one store).
struct SharedCore {
  SharedCore(std::string stateFile, Firmware firmware)
      : store(std::move(stateFile)), fw(firmware) {}
  Store store;
  Firmware fw;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<uint64_t> signs{0}, decrypts{0}, encrypts{0}, generates{0};
  std::mutex statusMutex;
  std::map<int, uint64_t> statusCounts;  // /metrics "http status NNN"
  ClusterControl* control = nullptr;
};

// Per-instance state; lives as long as the MockNetHsm.
struct InstanceState {
  size_t index = 0;
  FaultSet faults;
  RateLimiter rateLimiter;
  std::atomic<uint64_t> tcpConnections{0}, tlsHandshakes{0}, requests{0};
  std::mutex endpointMutex;
  std::map<std::string, uint64_t> endpointCounts;
  // --serial: one request at a time with a fixed service time, like a small appliance.
  bool serial = false;
  std::chrono::milliseconds serviceTime{0};
  std::mutex serialMutex;

  void countEndpoint(const std::string& key);
  // The instance's TLS identity (/config/tls/*), wired by Instance.
  std::function<TlsIdentity()> identity;
  std::function<void(TlsIdentity)> setIdentity;
};

struct Ctx {
  const httplib::Request& req;
  httplib::Response& res;
  SharedCore& core;
  InstanceState& inst;
  std::vector<std::string> params;  // path template parameters in order
  Caller caller;
  std::string body;                               // raw body (non-multipart)
  std::vector<httplib::MultipartFormData> parts;  // multipart parts in wire order

  Store& store() { return core.store; }
  const Firmware& fw() const { return core.fw; }

  void json(int status, const nlohmann::json& body);
  void orderedJson(int status, const nlohmann::ordered_json& body);  // firmware member order
  // Handler errors: {"message": text}, application/json (BEHAVIOUR.md §4).
  void message(int status, const std::string& text);
  void empty(int status);
  void content(int status, const std::string& body, const char* contentType);
  // Parses the JSON body, allowing only `allowed` top-level fields (unknown → 400 as
  // on the hardware). nullopt after answering 400.
  std::optional<nlohmann::json> jsonBody(std::initializer_list<const char*> allowed);
  // Validates an ID from the path or body; answers 400 when invalid.
  bool checkId(const std::string& id);
  // A passphrase field of 10–200 characters; nullopt after answering 400.
  std::optional<std::string> passphrase(const nlohmann::json& body, const char* field);
};

using Handler = std::function<void(Ctx&)>;

}  // namespace p11nethsm::mock
