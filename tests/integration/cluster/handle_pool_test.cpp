// One instance's handle pool (issue 4 §3): idle cap, broken handles discarded alone,
// and the TCP keepalive settings really reach the socket.
#include "transport/handle_pool.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <thread>

#include "integration/cluster/mock_cluster.hpp"
#include "p11nethsm_test/wait_until.hpp"
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
    auto lease = pool_->borrow(HandlePool::Clock::now());
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

// Idle handles beyond max_idle_connections close once unused for the grace period,
// not at once: a steady load with more threads than the cap keeps its connections.
TEST_F(HandlePoolTest, IdleHandlesBeyondTheCapCloseAfterTheirGraceAndKeepTheirConnection) {
  slot_.instances[0].maxIdleConnections = 2;
  PoolSettings settings = PoolSettings::forInstance(slot_, 0, {});
  settings.idleGrace = std::chrono::milliseconds(50);
  HandlePool pool(settings);
  {
    auto a = pool.borrow(HandlePool::Clock::now());
    auto b = pool.borrow(HandlePool::Clock::now());
    auto c = pool.borrow(HandlePool::Clock::now());
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_NE(infoOn(a->get(), pool.settings()), CURL_SOCKET_BAD);
    EXPECT_EQ(pool.created(), 3u);
  }
  EXPECT_EQ(pool.idleCount(), 3u);  // within the grace: all kept
  EXPECT_EQ(pool.discarded(), 0u);
  // The grace is time: trimming once it has passed leaves two (trimIdle keeps maxIdle).
  EXPECT_TRUE(waitUntil([&] {
    pool.trimIdle();
    return pool.idleCount() <= 2;
  })) << "idle handles past their grace were not trimmed";
  EXPECT_EQ(pool.idleCount(), 2u);
  EXPECT_EQ(pool.discarded(), 1u);
  EXPECT_EQ(pool.openCount(), 2u);
  hsm_->resetCounters();
  for (int i = 0; i < 5; ++i) {
    auto lease = pool.borrow(HandlePool::Clock::now());
    ASSERT_TRUE(lease.ok());
    EXPECT_NE(infoOn(lease->get(), pool.settings()), CURL_SOCKET_BAD);
  }
  EXPECT_EQ(pool.created(), 3u);
  EXPECT_LE(hsm_->counters(0).tlsHandshakes, 1u);  // one connection serves all five
}

// max_connections: a borrower beyond the bound waits for a handle to come back, and
// one whose deadline passes first gets a clear error without a handle.
TEST_F(HandlePoolTest, BorrowersBeyondMaxConnectionsWaitUntilTheirDeadline) {
  slot_.instances[0].maxConnections = 1;
  HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
  auto first = pool.borrow(HandlePool::Clock::now());
  ASSERT_TRUE(first.ok());
  std::optional<HandlePool::Lease> held;
  held.emplace(std::move(*first));
  const auto start = HandlePool::Clock::now();
  auto refused = pool.borrow(start + std::chrono::milliseconds(200));
  ASSERT_FALSE(refused.ok());
  EXPECT_GE(HandlePool::Clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(refused.error().kind, ErrorKind::kTransport);
  EXPECT_NE(refused.error().message.find("no free connection"), std::string::npos);
  EXPECT_NE(refused.error().message.find("max_connections"), std::string::npos);
  std::thread giver([&] {
    // Gives its handle back once the borrower below is blocked waiting for one.
    if (!waitUntil([&] { return pool.waitingCount() == 1; })) ADD_FAILURE() << "no borrower waited";
    held.reset();
  });
  auto waited = pool.borrow(HandlePool::Clock::now() + std::chrono::seconds(10));
  giver.join();
  ASSERT_TRUE(waited.ok()) << waited.error().message;
  EXPECT_EQ(pool.created(), 1u);  // the same handle, not a second connection
  EXPECT_EQ(pool.openCount(), 1u);
}

// A thread gets back the handle it used last when that one is idle, even if another
// thread returned its handle after: the handle's state stays in the cache of the
// core that thread runs on. Without such a handle, the most recently returned one.
TEST_F(HandlePoolTest, ThreadGetsBackTheHandleItUsedLast) {
  HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
  auto mine = pool.borrow(HandlePool::Clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(mine.ok());
  CURL* const myHandle = mine->get();
  CURL* otherHandle = nullptr;
  std::optional<HandlePool::Lease> otherLease;
  std::thread other([&] {
    auto lease = pool.borrow(HandlePool::Clock::now() + std::chrono::seconds(5));
    if (!lease.ok()) return;
    otherHandle = lease->get();
    otherLease.emplace(std::move(*lease));
  });
  other.join();
  ASSERT_NE(otherHandle, nullptr);
  ASSERT_NE(otherHandle, myHandle);
  { HandlePool::Lease done(std::move(*mine)); }  // mine back first...
  otherLease.reset();                            // ...the other thread's after it
  auto again = pool.borrow(HandlePool::Clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), myHandle);
  CURL* secondPick = nullptr;
  std::thread fresh([&] {  // a thread that used none: the most recently returned
    auto lease = pool.borrow(HandlePool::Clock::now() + std::chrono::seconds(5));
    if (lease.ok()) secondPick = lease->get();
  });
  fresh.join();
  EXPECT_EQ(secondPick, otherHandle);
  EXPECT_EQ(pool.created(), 2u);
}

TEST_F(HandlePoolTest, BrokenHandleIsDiscardedAlone) {
  HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
  {
    auto keep = pool.borrow(HandlePool::Clock::now());
    auto broken = pool.borrow(HandlePool::Clock::now());
    ASSERT_TRUE(keep.ok() && broken.ok());
    broken->markBroken();
  }
  EXPECT_EQ(pool.idleCount(), 1u);
  EXPECT_EQ(pool.discarded(), 1u);
  pool.clearIdle();
  EXPECT_EQ(pool.idleCount(), 0u);
  EXPECT_EQ(pool.discarded(), 2u);
}

// Saves a variable and puts it back when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A pooled handle reads the proxy variables once, when it is made (handle_pool.cpp):
// an https_proxy set then is still used (the request reaches the proxy), and with
// none set the request goes straight to the appliance.
TEST_F(HandlePoolTest, ProxyVariablesAreStillHonoured) {
  ScopedEnv noProxy("no_proxy", nullptr), noProxyUpper("NO_PROXY", nullptr);
  ScopedEnv allProxy("all_proxy", nullptr), allProxyUpper("ALL_PROXY", nullptr);
  ScopedEnv httpsUpper("HTTPS_PROXY", nullptr);
  {
    ScopedEnv direct("https_proxy", nullptr);
    HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
    auto lease = pool.borrow(HandlePool::Clock::now());
    ASSERT_TRUE(lease.ok());
    EXPECT_NE(infoOn(lease->get(), pool.settings()), CURL_SOCKET_BAD);
  }
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string proxy = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  ScopedEnv viaProxy("https_proxy", proxy.c_str());
  HandlePool pool(PoolSettings::forInstance(slot_, 0, {}));
  auto lease = pool.borrow(HandlePool::Clock::now());
  ASSERT_TRUE(lease.ok());
  std::string asked;
  std::thread fakeProxy([&] {
    pollfd p{listener, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return;
    const int client = accept(listener, nullptr, nullptr);
    char buffer[256] = {0};
    p = {client, POLLIN, 0};
    if (poll(&p, 1, 5000) == 1)
      asked.assign(buffer, std::max<ssize_t>(0, read(client, buffer, 255)));
    close(client);  // never answers: the exchange fails
  });
  EXPECT_EQ(infoOn(lease->get(), pool.settings()), CURL_SOCKET_BAD);
  fakeProxy.join();
  close(listener);
  EXPECT_EQ(asked.rfind("CONNECT 127.0.0.1:", 0), 0u) << "the proxy was not asked: " << asked;
}

}  // namespace
}  // namespace p11nethsm::testing
