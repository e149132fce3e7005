#pragma once
// Who carries one attempt to one instance of a cluster. In production that is libcurl
// on a pooled keep-alive handle (handle_pool.hpp + exchange.hpp); unit tests put an
// in-process appliance here (tests/support/fake_appliance.hpp), so that everything
// above it — retries, failover, health, throttling, key-creation safety, PKCS#11
// rules — runs unchanged without a socket. Called without any lock held, from any
// thread, several at once.
#include <chrono>
#include <cstddef>
#include <memory>

#include "transport/exchange.hpp"
#include "transport/http.hpp"

namespace p11nethsm::transport {

class Exchanger {
 public:
  virtual ~Exchanger() = default;
  // One request to instance `instance` (an index into the slot's instances) within
  // `limits`; `deadline` is when the attempt's time (including any wait for a free
  // connection) ends, on the cluster's clock (ClusterOptions::clock: steady_clock
  // unless a test injects a fake one; health probes: steady_clock). The outcome says,
  // on failure, whether any byte left.
  virtual ExchangeOutcome exchange(size_t instance, const Request& request,
                                   const ExchangeLimits& limits,
                                   std::chrono::steady_clock::time_point deadline) = 0;
};

// Tests only: every Cluster built while this is set sends through `exchanger` instead
// of libcurl (the module then opens no socket). nullptr restores libcurl. Production
// code never calls it.
void setExchangerForTests(std::shared_ptr<Exchanger> exchanger);
std::shared_ptr<Exchanger> exchangerForTests();

}  // namespace p11nethsm::transport
