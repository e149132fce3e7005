#include "faults.hpp"

#include <random>

namespace p11nethsm::mock {

void FaultSet::add(const FaultRule& rule) {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.push_back(Entry{rule, std::regex(rule.pathRegex.empty() ? ".*" : rule.pathRegex)});
}

void FaultSet::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.clear();
  ++generation_;
  cv_.notify_all();
}

std::optional<FaultRule> FaultSet::take(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!std::regex_match(path, it->regex)) continue;
    FaultRule hit = it->rule;
    if (it->rule.count > 0 && --it->rule.count == 0) rules_.erase(it);
    return hit;
  }
  return std::nullopt;
}

void FaultSet::setLatency(std::chrono::milliseconds fixed, std::chrono::milliseconds randomExtra) {
  std::lock_guard<std::mutex> lock(mutex_);
  fixed_ = fixed;
  randomExtra_ = randomExtra;
}

void FaultSet::applyLatency() {
  std::unique_lock<std::mutex> lock(mutex_);
  auto delay = fixed_;
  if (randomExtra_.count() > 0) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<long> dist(0, static_cast<long>(randomExtra_.count()));
    delay += std::chrono::milliseconds(dist(rng));
  }
  if (delay.count() <= 0) return;
  cv_.wait_for(lock, delay, [this] { return shutdown_; });
}

void FaultSet::stall() {
  std::unique_lock<std::mutex> lock(mutex_);
  uint64_t gen = generation_;
  cv_.wait(lock, [&] { return shutdown_ || generation_ != gen; });
}

void FaultSet::wakeStalled() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  cv_.notify_all();
}

void FaultSet::shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shutdown_ = true;
  cv_.notify_all();
}

std::optional<FaultKind> parseFaultKind(const std::string& name) {
  if (name == "status" || name == "fail") return FaultKind::kFailStatus;
  if (name == "reset") return FaultKind::kReset;
  if (name == "stall") return FaultKind::kStall;
  if (name == "close" || name == "close-after") return FaultKind::kCloseAfterProcessing;
  return std::nullopt;
}

}  // namespace p11nethsm::mock
