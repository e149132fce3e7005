// Connection reuse (issue 4 §3 acceptance): 10,000 sequential signs cost no more TLS
// handshakes than there are pooled handles; a failing instance does not disturb the
// connections to a healthy one.
#include <gtest/gtest.h>

#include "integration/cluster/mock_cluster.hpp"

namespace p11nethsm::testing {
namespace {

TEST(ConnectionPool, TenThousandSequentialSignsReuseTheConnection) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  SigningClient signer(*hsm, slotFor(*hsm));
  signer.cluster.start();
  ASSERT_FALSE(signer.keyId.empty());
  const auto start = std::chrono::steady_clock::now();
  size_t failures = 0;
  const Bytes message = toBytes("message");
  for (int i = 0; i < 10000; ++i) {
    if (!signer.client.sign(signer.keyId, nethsm::SignMode::kEdDsa, message).ok()) ++failures;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  const auto counters = hsm->counters(0);
  const auto stats = signer.cluster.stats();
  std::cout << "[ measured ] 10000 signs in " << ms << " ms; TLS handshakes "
            << counters.tlsHandshakes << ", TCP connections " << counters.tcpConnections
            << ", handles created " << stats.handlesCreated << "\n";
  EXPECT_EQ(failures, 0u);
  EXPECT_GE(counters.requests, 10000u);
  EXPECT_LE(counters.tlsHandshakes, stats.handlesCreated);
  EXPECT_LE(counters.tlsHandshakes, 2u);  // the generate's fresh connection + one pooled
}

TEST(ConnectionPool, ConcurrentUseIsBoundedByThePool) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm);
  slot.instances[0].maxIdleConnections = 4;
  SigningClient signer(*hsm, slot);
  const size_t failures = signFromThreads(signer, 4, 250);
  const auto counters = hsm->counters(0);
  std::cout << "[ measured ] 4 threads x 250 signs: TLS handshakes " << counters.tlsHandshakes
            << ", handles created " << signer.cluster.stats().handlesCreated << "\n";
  EXPECT_EQ(failures, 0u);
  EXPECT_LE(counters.tlsHandshakes, 4u);
  EXPECT_EQ(signer.cluster.stats().handlesDiscarded, 0u);
}

TEST(ConnectionPool, FailingInstanceLeavesHealthyConnectionsAlone) {
  auto hsm = startMock(2);
  ASSERT_NE(hsm, nullptr);
  transport::Cluster cluster(slotFor(*hsm, 1), withoutThreads());
  transport::Request info;
  info.path = "/info";
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(cluster.send(info).ok());  // warm both
  const auto before = hsm->counters(0);
  hsm->setInstanceDown(1, true);
  for (int i = 0; i < 50; ++i) {
    auto r = cluster.send(info);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->instanceIndex, 0u);
  }
  const auto after = hsm->counters(0);
  EXPECT_EQ(after.tlsHandshakes, before.tlsHandshakes);
  EXPECT_EQ(after.tcpConnections, before.tcpConnections);
}

}  // namespace
}  // namespace p11nethsm::testing
