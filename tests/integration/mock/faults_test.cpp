// Fault injection, counters, keep-alive, clusters, serial mode and the control
// interface (issue 3 §4–§6). Timing bounds are generous on purpose.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "mock_client.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::mock::testing {
namespace {

using Clock = std::chrono::steady_clock;
const nlohmann::json kRandom{{"length", 16}};

TEST(MockFaults, KeepAliveServesTenThousandRequestsOnOneConnection) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  c.op();
  int ok = 0;
  for (int i = 0; i < 10000; ++i) ok += c.post("/random", kRandom).status == 200 ? 1 : 0;
  EXPECT_EQ(ok, 10000);
  MockCounters n = mock->counters();
  EXPECT_EQ(n.tcpConnections, 1u);
  EXPECT_EQ(n.tlsHandshakes, 1u);
  EXPECT_EQ(n.requests, 10000u);
  EXPECT_EQ(mock->endpointCount(0, "POST /random"), 10000u);
}

TEST(MockFaults, FailStatusHitsCountMatchingRequestsOnly) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  mock->addFault(0, {FaultKind::kFailStatus, "/random", 2, 503});
  Client c(*mock);
  c.op();
  EXPECT_EQ(c.get("/keys").status, 200);  // other path
  Reply first = c.post("/random", kRandom);
  EXPECT_EQ(first.status, 503);
  EXPECT_TRUE(first.body.empty());
  EXPECT_EQ(c.post("/random", kRandom).status, 503);
  EXPECT_EQ(c.post("/random", kRandom).status, 200);
}

TEST(MockFaults, ResetAndCloseAfterProcessingBreakTheConnection) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  mock->addFault(0, {FaultKind::kReset, "/random", 1});
  Client c(*mock);
  c.admin();
  EXPECT_EQ(c.op().post("/random", kRandom).status, -1);
  EXPECT_EQ(c.post("/random", kRandom).status, 200);  // new connection works
  mock->addFault(0, {FaultKind::kCloseAfterProcessing, "/keys/generate", 1});
  nlohmann::json gen{{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}, {"id", "committed"}};
  EXPECT_EQ(c.admin().post("/keys/generate", gen).status, -1);
  EXPECT_EQ(c.get("/keys/committed").status, 200);  // processed before the close
  EXPECT_GE(mock->counters().tcpConnections, 3u);
}

TEST(MockFaults, StallNeverAnswersUntilCleared) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  mock->addFault(0, {FaultKind::kStall, "/random", -1});
  Client c(*mock);
  c.op().setReadTimeout(1);
  auto start = Clock::now();
  EXPECT_EQ(c.post("/random", kRandom).status, -1);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(900));
  mock->clearFaults(0);
  EXPECT_EQ(c.post("/random", kRandom).status, 200);
}

TEST(MockFaults, LatencyDelaysEachAnswer) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  mock->setLatency(0, std::chrono::milliseconds(200), std::chrono::milliseconds(50));
  Client c(*mock);
  auto start = Clock::now();
  EXPECT_EQ(c.op().post("/random", kRandom).status, 200);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(200));
}

TEST(MockFaults, InstanceDownRefusesAndComesBackOnTheSamePort) {
  MockOptions o;
  o.instances = 2;
  auto mock = startMock(o);
  ASSERT_TRUE(mock);
  int port = mock->port(1);
  Client c1(*mock, 1);
  EXPECT_EQ(c1.op().post("/random", kRandom).status, 200);
  mock->setInstanceDown(1, true);
  Client again(*mock, 1);
  EXPECT_EQ(again.op().post("/random", kRandom).status, -1);
  Client c0(*mock, 0);
  EXPECT_EQ(c0.op().post("/random", kRandom).status, 200);
  mock->setInstanceDown(1, false);
  EXPECT_EQ(mock->port(1), port);
  EXPECT_EQ(again.post("/random", kRandom).status, 200);
}

TEST(MockFaults, ClusterInstancesShareOneStoreButCountApart) {
  MockOptions o;
  o.instances = 3;
  auto mock = startMock(o);
  ASSERT_TRUE(mock);
  ASSERT_EQ(mock->instanceCount(), 3u);
  EXPECT_NE(mock->port(0), mock->port(2));
  Client c0(*mock, 0), c2(*mock, 2);
  ASSERT_EQ(c0.admin()
                .post("/keys/generate",
                      {{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}, {"id", "shared"}})
                .status,
            201);
  EXPECT_EQ(c2.admin().get("/keys/shared").status, 200);
  EXPECT_EQ(mock->counters(1).requests, 0u);
  EXPECT_EQ(mock->counters(2).requests, 1u);
}

TEST(MockFaults, SwitchCertificateChangesTheFingerprint) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  std::string before = mock->certificateFingerprint();
  EXPECT_EQ(servedFingerprint(mock->port()), before);
  std::string after = mock->switchCertificate(0);
  EXPECT_EQ(servedFingerprint(mock->port()), after);
  EXPECT_EQ(after.size(), 95u);
  EXPECT_NE(before, after);
  EXPECT_EQ(after, mock->certificateFingerprint());
  Client c(*mock);
  EXPECT_EQ(c.op().post("/random", kRandom).status, 200);
}

TEST(MockFaults, SerialModeServesOneRequestAtATime) {
  MockOptions o;
  o.serial = true;
  o.serviceTime = std::chrono::milliseconds(150);
  auto mock = startMock(o);
  ASSERT_TRUE(mock);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] { Client(*mock).op().post("/random", kRandom); });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(440));
}

TEST(MockFaults, ControlInterfaceAddsFaultsAndReadsCounters) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  EXPECT_EQ(
      c.raw("POST", "/_mock/fault?kind=status&path=/random&count=1&status=500", "", "").status,
      200);
  EXPECT_EQ(c.op().post("/random", kRandom).status, 500);
  EXPECT_EQ(c.post("/random", kRandom).status, 200);
  nlohmann::json counters = nlohmann::json::parse(c.get("/_mock/counters").body);
  EXPECT_EQ(counters["endpoints"]["POST /random"], 2);
  EXPECT_EQ(counters["tcpConnections"], 1);
  EXPECT_EQ(c.raw("POST", "/_mock/fault?kind=bogus", "", "").status, 400);
}

TEST(MockFaults, ControlInterfaceTakesAnotherInstanceDownForAWhile) {
  MockOptions o;
  o.instances = 2;
  auto mock = startMock(o);
  ASSERT_TRUE(mock);
  Client c0(*mock, 0);
  EXPECT_EQ(c0.raw("POST", "/_mock/down?instance=1&seconds=1", "", "").status, 200);
  // A helper thread takes it down, and up again after the second: wait for each.
  auto status = [&] { return Client(*mock, 1).get("/info").status; };
  EXPECT_TRUE(p11nethsm::testing::waitUntil([&] { return status() == -1; }, std::chrono::seconds(5),
                                            std::chrono::milliseconds(20)))
      << "instance 1 never went down";
  EXPECT_TRUE(p11nethsm::testing::waitUntil(
      [&] { return status() == 200; }, std::chrono::seconds(10), std::chrono::milliseconds(50)))
      << "instance 1 did not come back after its second";
  EXPECT_EQ(c0.raw("POST", "/_mock/down?instance=1&seconds=60", "", "").status, 200);
  auto start = Clock::now();
  mock->stop();  // does not wait for the 60 s
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
}

TEST(MockFaults, StateFileKeepsKeysAcrossRestarts) {
  std::string file = ::testing::TempDir() + "mock_state_test.json";
  std::remove(file.c_str());
  MockOptions o;
  o.stateFile = file;
  {
    auto mock = startMock(o);
    ASSERT_TRUE(mock);
    Client c(*mock);
    ASSERT_EQ(
        c.admin()
            .post("/keys/generate",
                  {{"type", "Curve25519"}, {"mechanisms", {"EdDSA_Signature"}}, {"id", "kept"}})
            .status,
        201);
  }
  auto again = startMock(o, false);
  ASSERT_TRUE(again);
  Client c(*again);
  EXPECT_EQ(c.get("/health/state").json()["state"], "Operational");
  EXPECT_EQ(c.admin().get("/keys/kept").json()["type"], "Curve25519");
  std::remove(file.c_str());
}

}  // namespace
}  // namespace p11nethsm::mock::testing
