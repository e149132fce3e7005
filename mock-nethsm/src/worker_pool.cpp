#include "worker_pool.hpp"

#include <algorithm>

namespace p11nethsm::mock {

WorkerPool::WorkerPool(size_t initial, size_t maximum, std::atomic<uint64_t>& accepted)
    : maximum_(std::max<size_t>(1, maximum)), accepted_(accepted) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < std::clamp<size_t>(initial, 1, maximum_); ++i) spawnLocked();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::spawnLocked() {
  ++idle_;  // counted idle from the start, so that a burst spawns one thread per task
  threads_.emplace_back([this] { work(); });
}

void WorkerPool::enqueue(std::function<void()> fn) {
  accepted_++;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(fn));
    if (idle_ < tasks_.size() && threads_.size() < maximum_) spawnLocked();
  }
  ready_.notify_one();
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, nothing left
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    --idle_;
    lock.unlock();
    task();
    lock.lock();
    ++idle_;
  }
}

void WorkerPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (auto& t : threads) t.join();
}

size_t WorkerPool::threadCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

}  // namespace p11nethsm::mock
