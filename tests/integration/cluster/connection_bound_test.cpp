// max_connections (issue 11 §3): callers beyond the bound wait for a free connection
// within their call's timeout instead of opening sockets; a caller whose time runs out
// while waiting gets a clear error, and nothing of its request was sent.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "integration/cluster/mock_cluster.hpp"

namespace p11nethsm::testing {
namespace {

TEST(ConnectionBound, HundredThreadsShareEightConnections) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm);
  slot.instances[0].maxConnections = 8;
  transport::Cluster cluster(slot, transport::ClusterOptions{});
  cluster.start();
  TestCredentials credentials;
  nethsm::Client client(cluster, credentials);
  const std::string keyId = generateEdKey(client);
  ASSERT_FALSE(keyId.empty());
  hsm->resetCounters();
  std::atomic<size_t> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 100; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (!client.sign(keyId, nethsm::SignMode::kEdDsa, toBytes("bound")).ok()) failures++;
    });
  }
  for (auto& t : threads) t.join();
  const auto counters = hsm->counters(0);
  std::cout << "[ measured ] 100 threads x 10 signs, max_connections 8: TCP connections "
            << counters.tcpConnections << ", TLS handshakes " << counters.tlsHandshakes << "\n";
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_EQ(hsm->endpointCount(0, "POST /keys/{id}/sign"), 1000u);
  EXPECT_LE(counters.tcpConnections, 8u);
  EXPECT_LE(cluster.stats().handlesCreated, 8u);
}

TEST(ConnectionBound, AWaiterWhoseTimeRunsOutGetsAClearErrorAndSendsNothing) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm);
  slot.instances[0].maxConnections = 1;
  transport::Cluster cluster(slot, withoutThreads());
  transport::Request info;
  info.path = "/info";
  ASSERT_TRUE(cluster.send(info).ok());  // the one connection is open
  mock::FaultRule stall;
  stall.kind = mock::FaultKind::kStall;
  stall.pathRegex = "/health/state";
  hsm->addFault(0, stall);
  std::thread holder([&] {
    transport::Request stalled;
    stalled.path = "/health/state";
    (void)cluster.send(stalled);  // holds the connection until the fault is cleared
  });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (hsm->endpointCount(0, "GET /health/state") == 0 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polls until it is held
  ASSERT_EQ(hsm->endpointCount(0, "GET /health/state"), 1u);
  const uint64_t before = hsm->counters(0).requests;
  transport::Request waiter = info;
  waiter.timeoutMs = 300;
  const auto start = std::chrono::steady_clock::now();
  auto r = cluster.send(waiter);
  const auto waited = std::chrono::steady_clock::now() - start;
  const uint64_t after = hsm->counters(0).requests;
  hsm->clearFaults(0);
  holder.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_NE(r.error().message.find("no free connection"), std::string::npos) << r.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_EQ(after, before);  // the waiter sent nothing
  EXPECT_EQ(cluster.stats().handlesCreated, 1u);
}

}  // namespace
}  // namespace p11nethsm::testing
