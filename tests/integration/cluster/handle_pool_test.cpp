// One instance's handle pool (issue 4 §3): idle cap, broken handles discarded alone,
// and the TCP keepalive settings really reach the socket.
#include "transport/handle_pool.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "integration/cluster/mock_cluster.hpp"
#include "transport/exchange.hpp"

namespace p11nethsm::testing {
namespace {

using transport::HandlePool;
using transport::PoolSettings;

class HandlePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hsm_ = startMock(1);
    ASSERT_NE(hsm_, nullptr);
    slot_ = slotFor(*hsm_);
  }

  // GET /info on a borrowed handle; returns the socket it used (-1 on failure).
  curl_socket_t infoOn(CURL* handle, const PoolSettings& settings) {
    transport::Request request;
    request.path = "/info";
    transport::ExchangeLimits limits;
    limits.totalTimeoutMs = 5000;
    auto outcome = transport::performExchange(handle, settings.baseUrl, request, limits);
    if (!outcome.result.ok() || outcome.result->status != 200) return -1;
    curl_socket_t fd = CURL_SOCKET_BAD;
    curl_easy_getinfo(handle, CURLINFO_ACTIVESOCKET, &fd);
    return fd;
  }

  static int socketOption(curl_socket_t fd, int level, int name) {
    int value = -1;
    socklen_t length = sizeof(value);
    getsockopt(fd, level, name, &value, &length);
    return value;
  }

  // The socket of a pooled handle of slot_'s instance after one exchange; the pool
  // and the lease stay alive with the fixture.
  curl_socket_t connectedSocket() {
    pool_ = std::make_unique<HandlePool>(PoolSettings::forInstance(slot_, 0, {}));
    auto lease = pool_->borrow();
    if (!lease.ok()) return CURL_SOCKET_BAD;
    lease_.emplace(std::move(*lease));
    return infoOn(lease_->get(), pool_->settings());
  }

  std::unique_ptr<mock::MockNetHsm> hsm_;
  config::SlotConfig slot_;
  std::unique_ptr<HandlePool> pool_;
  std::optional<HandlePool::Lease> lease_;  // destroyed before pool_
};

TEST_F(HandlePoolTest, TcpKeepaliveSettingsReachTheSocket) {
  slot_.tcpKeepalive = config::TcpKeepaliveConfig{17, 9, 4};
  const curl_socket_t fd = connectedSocket();
  ASSERT_NE(fd, CURL_SOCKET_BAD);
  EXPECT_EQ(socketOption(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(socketOption(fd, IPPROTO_TCP, TCP_KEEPIDLE), 17);
  EXPECT_EQ(socketOption(fd, IPPROTO_TCP, TCP_KEEPINTVL), 9);
  EXPECT_EQ(socketOption(fd, IPPROTO_TCP, TCP_KEEPCNT), 4);
}

TEST_F(HandlePoolTest, NoKeepaliveUnlessConfigured) {
  const curl_socket_t fd = connectedSocket();
  ASSERT_NE(fd, CURL_SOCKET_BAD);
  EXPECT_EQ(socketOption(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
}

TEST_F(HandlePoolTest, IdleHandlesAreCappedAndReusedWithTheirConnection) {
  slot_.instances[0].maxIdleConnections = 2;
  HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
  {
    auto a = pool.borrow();
    auto b = pool.borrow();
    auto c = pool.borrow();
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_NE(infoOn(a->get(), pool.settings()), CURL_SOCKET_BAD);
    EXPECT_EQ(pool.created(), 3u);
  }
  EXPECT_EQ(pool.idleCount(), 2u);
  EXPECT_EQ(pool.discarded(), 1u);
  hsm_->resetCounters();
  for (int i = 0; i < 5; ++i) {
    auto lease = pool.borrow();
    ASSERT_TRUE(lease.ok());
    EXPECT_NE(infoOn(lease->get(), pool.settings()), CURL_SOCKET_BAD);
  }
  EXPECT_EQ(pool.created(), 3u);
  EXPECT_LE(hsm_->counters(0).tlsHandshakes, 1u);  // one connection serves all five
}

TEST_F(HandlePoolTest, BrokenHandleIsDiscardedAlone) {
  HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
  {
    auto keep = pool.borrow();
    auto broken = pool.borrow();
    ASSERT_TRUE(keep.ok() && broken.ok());
    broken->markBroken();
  }
  EXPECT_EQ(pool.idleCount(), 1u);
  EXPECT_EQ(pool.discarded(), 1u);
  pool.clearIdle();
  EXPECT_EQ(pool.idleCount(), 0u);
  EXPECT_EQ(pool.discarded(), 2u);
}

}  // namespace
}  // namespace p11nethsm::testing
