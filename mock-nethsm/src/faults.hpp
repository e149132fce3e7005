#pragma once
// Fault injection of one instance (mock.hpp FaultRule): rules matched against the path
// below /api/v1, plus added latency. Stalled requests wait here until the rules are
// cleared or the mock stops.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "mock_nethsm/mock.hpp"

namespace p11nethsm::mock {

class FaultSet {
 public:
  void add(const FaultRule& rule);
  void clear();
  // The first rule that matches `path` (counting it down), if any.
  std::optional<FaultRule> take(const std::string& path);
  void setLatency(std::chrono::milliseconds fixed, std::chrono::milliseconds randomExtra);
  // Sleeps the configured latency (interrupted by shutdown()).
  void applyLatency();
  // Blocks a stalled request until clear() or shutdown().
  void stall();
  // Releases stalled requests without clearing the rules (instance going down).
  void wakeStalled();
  void shutdown();

 private:
  struct Entry {
    FaultRule rule;
    std::regex regex;
  };
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Entry> rules_;
  uint64_t generation_ = 0;  // bumped by clear(): releases stalled requests
  bool shutdown_ = false;
  std::chrono::milliseconds fixed_{0};
  std::chrono::milliseconds randomExtra_{0};
};

std::optional<FaultKind> parseFaultKind(const std::string& name);

}  // namespace p11nethsm::mock
