// max_connections (issue 11 §3): callers beyond the bound wait for a free connection
// within their call's timeout instead of opening sockets; a caller whose time runs out
// while waiting gets a clear error, and nothing of its request was sent.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "integration/cluster/mock_cluster.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::testing {
namespace {

TEST(ConnectionBound, HundredThreadsShareEightConnections) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm);
  slot.instances[0].maxConnections = 8;
  SigningClient signer(*hsm, slot);
  signer.cluster.start();
  ASSERT_FALSE(signer.keyId.empty());
  const size_t failures = signFromThreads(signer, 100, 10);
  const auto counters = hsm->counters(0);
  std::cout << "[ measured ] 100 threads x 10 signs, max_connections 8: TCP connections "
            << counters.tcpConnections << ", TLS handshakes " << counters.tlsHandshakes << "\n";
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(hsm->endpointCount(0, "POST /keys/{id}/sign"), 1000u);
  EXPECT_LE(counters.tcpConnections, 8u);
  EXPECT_LE(signer.cluster.stats().handlesCreated, 8u);
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
  ASSERT_TRUE(waitUntil([&] { return hsm->endpointCount(0, "GET /health/state") == 1; }))
      << "the stalled request never reached the mock";
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
