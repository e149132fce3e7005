// mock-nethsm as a benchmark instrument (issue 11 §4): a keep-alive connection holds
// a server thread for its life, so the worker pool must grow with the connections.
// With a fixed pool of 16, the 17th client's request was never served.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mock_client.hpp"

namespace p11nethsm::mock::testing {
namespace {

TEST(MockCapacity, ServesTwoHundredSixtyConcurrentKeepAliveConnections) {
  constexpr size_t kClients = 260;
  MockOptions options;
  options.workerThreads = 16;
  auto mock = startMock(options);
  ASSERT_TRUE(mock);
  mock->resetCounters();
  std::vector<std::unique_ptr<Client>> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(*mock));
    // Every earlier connection stays open and idle while this one asks.
    ASSERT_EQ(clients.back()->get("/info").status, 200) << "client " << i + 1;
  }
  std::atomic<size_t> answered{0};
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&answered, c = client.get()] {
      if (c->get("/info").status == 200) answered++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), kClients);
  EXPECT_EQ(mock->counters(0).tcpConnections, kClients);  // no connection was dropped
}

}  // namespace
}  // namespace p11nethsm::mock::testing
