// Instance health (issue 4 §4): the background checker notices a silently dead
// instance without traffic, stop() is prompt, no thread means inline probes, and a
// forked child drops the parent's connections and works on its own.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integration/cluster/mock_cluster.hpp"
#include "support/p11nethsm_test/wait_until.hpp"

namespace p11nethsm::testing {
namespace {

using std::chrono::milliseconds;
using transport::InstanceHealth;

long elapsedMs(std::chrono::steady_clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count());
}

// Working instances probed once an hour: nothing is due during a test.
transport::ClusterOptions probesHourly() {
  transport::ClusterOptions options;
  options.workingProbeInterval = std::chrono::hours(1);
  return options;
}

// Issue 9 item 0: starting the checker (C_Initialize) sends nothing; the thread goes
// to sleep until the first working-interval probe. On the old schedule an unknown
// instance was probed at once, before the thread first slept.
TEST(HealthChecker, StartSendsNothingBeforeTheFirstInterval) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  transport::Cluster cluster(slotFor(*hsm), probesHourly());
  hsm->resetCounters();
  cluster.start();
  ASSERT_TRUE(waitUntil([&] { return cluster.stats().healthWaits >= 1; }));
  EXPECT_EQ(cluster.stats().probes, 0u);
  EXPECT_EQ(hsm->counters(0).tcpConnections, 0u);
  EXPECT_EQ(cluster.health()[0], InstanceHealth::kUnknown);
  EXPECT_TRUE(cluster.anyInstanceUsable());  // unknown counts as present
}

TEST(HealthChecker, SilentlyDeadInstanceIsNoticedWithoutTraffic) {
  auto hsm = startMock(2);
  ASSERT_NE(hsm, nullptr);
  transport::Cluster cluster(slotFor(*hsm), fastOptions());
  cluster.start();
  // The first probes come one working interval (300 ms) after start.
  const std::vector<InstanceHealth> working{InstanceHealth::kWorking, InstanceHealth::kWorking};
  ASSERT_TRUE(waitUntil([&] { return cluster.health() == working; }));
  hsm->setInstanceDown(1, true);
  auto noticed =
      timeUntil([&] { return cluster.health()[1] == InstanceHealth::kFailed; }, milliseconds(5000));
  ASSERT_TRUE(noticed.has_value());
  std::cout << "[ measured ] idle dead instance noticed after " << noticed->count() << " ms\n";
  EXPECT_EQ(cluster.stats().requests, 0u);  // no user call was needed
  EXPECT_TRUE(cluster.anyInstanceUsable());
}

TEST(HealthChecker, StopAbortsAProbeStuckOnAStalledInstance) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  hsm->addFault(0, mock::FaultRule{mock::FaultKind::kStall, "", -1, 0});
  transport::ClusterOptions options = fastOptions();
  options.probeTimeout = std::chrono::seconds(30);
  config::SlotConfig slot = slotFor(*hsm);
  slot.timeoutSeconds = 30;
  transport::Cluster cluster(slot, options);
  hsm->resetCounters();
  cluster.start();
  // The stalled instance has read the first probe (300 ms after start): it hangs now.
  ASSERT_TRUE(waitUntil([&] { return hsm->counters(0).requests >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  cluster.stop();
  const long ms = elapsedMs(start);
  std::cout << "[ measured ] stop() during a stalled probe took " << ms << " ms\n";
  EXPECT_LT(ms, 2500);  // libcurl's progress callback runs at least once a second
  hsm->clearFaults(0);
}

TEST(HealthChecker, WithoutThreadsFailedInstancesAreProbedInlineAtMostThreePerCall) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm);
  // Four instances that refuse connections (nothing listens on port 1), one real.
  for (int i = 0; i < 4; ++i) {
    config::InstanceConfig dead;
    dead.url = "https://127.0.0.1:1/api/v1";
    dead.dangerInsecureCert = true;
    slot.instances.push_back(dead);
  }
  slot.retries.count = 4;
  transport::Cluster cluster(slot, withoutThreads(std::chrono::milliseconds(100)));
  cluster.start();  // no thread: threadsAllowed is false
  transport::Request info;
  info.path = "/info";
  // Round robin starts at the real one; then each dead one fails once.
  for (int i = 0; i < 5; ++i) (void)cluster.send(info);
  // The behaviour is time-based: the 100 ms backoff must pass before probes are due.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const size_t probesBefore = cluster.stats().probes;
  auto r = cluster.send(info);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(cluster.stats().probes - probesBefore, 3u);
}

TEST(HealthChecker, StopJoinsTheHealthCheckerPromptly) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  transport::Cluster cluster(slotFor(*hsm), probesHourly());
  transport::Request info;
  info.path = "/info";
  ASSERT_TRUE(cluster.send(info).ok());  // working now; nothing due for an hour
  cluster.start();
  ASSERT_TRUE(waitUntil([&] { return cluster.stats().healthWaits >= 1; }));  // asleep
  const auto start = std::chrono::steady_clock::now();
  cluster.stop();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_LT(ms, 500);
  EXPECT_EQ(cluster.health()[0], transport::InstanceHealth::kWorking);
  cluster.start();  // C_Initialize after C_Finalize
  cluster.stop();
}

TEST(HealthChecker, ForkedChildAbandonsInheritedStateAndWorks) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  transport::Cluster cluster(slotFor(*hsm), fastOptions());
  cluster.start();
  transport::Request info;
  info.path = "/info";
  ASSERT_TRUE(cluster.send(info).ok());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Child: the health thread does not exist here, the pooled connection is the
    // parent's. Abandon both, then work on fresh connections.
    cluster.abandonAfterFork();
    auto r = cluster.send(info);
    const bool ok = r.ok() && r->status == 200 && cluster.stats().handlesCreated == 1;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's connection was not disturbed by the child.
  ASSERT_TRUE(cluster.send(info).ok());
  cluster.stop();
}

}  // namespace
}  // namespace p11nethsm::testing
