#pragma once
// An in-process NetHSM cluster behind the module's transport seam
// (transport::Exchanger): mock-nethsm's route table and handlers
// (mock_nethsm/in_process.hpp) answer every attempt and probe, without a socket, TLS
// or thread, and without ever sleeping. Rules make chosen requests fail on purpose the
// ways a network and an appliance do; a journal records what reached the appliance,
// so a test can say "the key generation was sent exactly once".
#include <cstddef>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "mock_nethsm/in_process.hpp"
#include "transport/exchanger.hpp"

namespace p11nethsm::testing {

enum class FakeFailure {
  kStatus,            // answer `status` (and `retryAfter`) without processing
  kNeverSent,         // transport error before any byte left (a refused connect)
  kLostAnswer,        // processed, then the connection broke: the module sees no answer
  kTimeout,           // not processed; the module sees curl's timeout after its time
  kTimeoutProcessed,  // processed, answer never arrives in time
  kBadAnswer,         // the appliance answered with garbage (ExchangeOutcome::badAnswer)
};

struct FakeRule {
  FakeFailure failure = FakeFailure::kStatus;
  std::string pathRegex;   // ECMAScript, whole path below /api/v1 without the query
  std::string method;      // "" = any
  int instance = -1;       // -1 = any
  int count = 1;           // requests it hits; -1 = until cleared
  long status = 503;       // kStatus
  std::string retryAfter;  // kStatus: the Retry-After header, "" = none
};

struct JournalEntry {
  size_t instance = 0;
  std::string method;
  std::string path;        // below /api/v1, with the query
  std::string user;        // Basic-auth user name, "" = none
  long status = 0;         // what the appliance answered; 0 = never processed
  bool delivered = false;  // the module received the answer
};

struct FakeOptions {
  std::string firmware = "4.0";
  int instances = 1;
};

class FakeAppliance final : public transport::Exchanger {
 public:
  explicit FakeAppliance(FakeOptions options = {});

  mock::InProcessNetHsm& appliance() { return appliance_; }
  size_t instanceCount() const { return appliance_.instanceCount(); }

  void addRule(FakeRule rule);
  void clearRules();

  std::vector<JournalEntry> journal() const;
  void clearJournal();
  // Journal entries of `method` whose path (query excluded) matches `pathRegex`.
  size_t count(const std::string& method, const std::string& pathRegex) const;
  // Keys in the shared store (any namespace).
  std::vector<mock::StoredKey> keys() const { return appliance_.keys(); }
  // Set-up and inspection behind the module's back (not journalled): any request as
  // the administrator, e.g. PUT /keys/{id} to import a key.
  mock::InProcessAnswer asAdmin(const std::string& method, const std::string& path,
                                const std::string& jsonBody = {});
  // GET /keys/{id}/public.pem as the administrator; "" when the appliance refuses.
  std::string publicKeyPem(const std::string& id);

  transport::ExchangeOutcome exchange(size_t instance, const transport::Request& request,
                                      const transport::ExchangeLimits& limits,
                                      std::chrono::steady_clock::time_point deadline) override;

 private:
  struct ActiveRule {
    FakeRule rule;
    std::regex regex;
  };
  std::optional<FakeRule> takeRule(size_t instance, const transport::Request& request);
  std::optional<transport::ExchangeOutcome> failBefore(const FakeRule& rule,
                                                       const transport::Request& request,
                                                       JournalEntry& entry);
  transport::ExchangeOutcome afterProcessing(const std::optional<FakeRule>& rule,
                                             const transport::Request& request,
                                             const mock::InProcessAnswer& answer);
  void record(JournalEntry entry);

  mock::InProcessNetHsm appliance_;
  mutable std::mutex mutex_;
  std::vector<ActiveRule> rules_;
  std::vector<JournalEntry> journal_;
};

}  // namespace p11nethsm::testing
