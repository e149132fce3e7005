#pragma once
// The task queue of one instance's HTTPS server. cpp-httplib hands every accepted
// connection to it as one task that serves the connection's requests until it closes,
// so a keep-alive connection holds a thread for its life. A fixed pool of N threads
// therefore serves at most N clients and starves client N+1; this pool starts
// `initial` threads and adds one whenever a connection arrives and none is idle, up
// to `maximum` (then connections wait in the queue). Threads stay until shutdown.
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace p11nethsm::mock {

class WorkerPool : public httplib::TaskQueue {
 public:
  // `accepted` counts the connections handed over (the instance's TCP counter).
  WorkerPool(size_t initial, size_t maximum, std::atomic<uint64_t>& accepted);
  ~WorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then joins every thread (httplib calls it when it stops).
  void shutdown() override;

  size_t threadCount() const;

 private:
  void spawnLocked();
  void work();

  const size_t maximum_;
  std::atomic<uint64_t>& accepted_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace p11nethsm::mock
