// See bounded_parallel.hpp.
#include "mech/bounded_parallel.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "mech/ossl.hpp"

namespace p11nethsm::mech {
namespace {

class TaskQueue {
 public:
  TaskQueue(size_t count, const std::function<Status(size_t)>& task) : count_(count), task_(task) {}

  // One worker's loop; never throws (it may run on a std::thread).
  void work() noexcept {
    for (;;) {
      if (failed_.load()) return;
      size_t i = next_.fetch_add(1);
      if (i >= count_) return;
      record(runOne(i));
    }
  }

  Status result() {
    std::lock_guard lock(mutex_);
    if (firstError_) return *firstError_;
    return okStatus();
  }

 private:
  Status runOne(size_t i) noexcept {
    try {
      return task_(i);
    } catch (...) {
      return ckError(CKR_GENERAL_ERROR, "a parallel appliance request failed unexpectedly");
    }
  }

  void record(Status s) noexcept {
    if (s) return;
    std::lock_guard lock(mutex_);
    if (!firstError_) firstError_ = s.error();
    failed_.store(true);
  }

  const size_t count_;
  const std::function<Status(size_t)>& task_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::optional<Error> firstError_;  // guarded by mutex_
};

}  // namespace

Status runBounded(size_t count, size_t workers, const std::function<Status(size_t)>& task) {
  TaskQueue queue(count, task);
  std::vector<std::thread> helpers;
  // As few workers as give the same number of rounds (6 tasks on 4 workers: 2 rounds
  // with 3 threads as with 4); each thread costs a creation and a core.
  size_t wanted = 0;
  if (count > 0 && workers > 0) {
    size_t rounds = (count + workers - 1) / workers;
    wanted = (count + rounds - 1) / rounds;
  }
  try {
    helpers.reserve(wanted);
  } catch (...) {
    wanted = 1;
  }
  for (size_t t = 1; t < wanted; ++t) {
    try {
      helpers.emplace_back([&queue] { queue.work(); });
    } catch (...) {
      break;  // out of threads (std::system_error): the workers that exist share the tasks
    }
  }
  queue.work();
  for (auto& h : helpers) h.join();
  return queue.result();
}

}  // namespace p11nethsm::mech
