// Every call ends within its documented bound (issue 12 §3, docs/transport.md
// "Worst-case time of one call"): (retries.count + 1) × timeout_seconds +
// retries.count × delay_seconds, shared by all the requests of one PKCS#11 call, with
// the health-checker thread on and off.
#include <chrono>

#include "hostile_fixture.hpp"

namespace p11nethsm::hostile {
namespace {

using Clock = std::chrono::steady_clock;

// timeout 1 s, one retry: bound 2 s. Slack for thread start-up and a loaded machine.
constexpr const char* kShortTimeouts = "    timeout_seconds: 1\n    retries:\n      count: 1\n";
constexpr auto kBound = std::chrono::milliseconds(2000);
constexpr auto kSlack = std::chrono::milliseconds(600);

class DeadlineTest : public HostileTest, public ::testing::WithParamInterface<bool> {
 protected:
  // GetParam(): the health-checker thread runs (false: disable_threads).
  void init() { initModule(kShortTimeouts, GetParam() ? "" : "disable_threads: true\n"); }
};

// The case: TCP connects, TLS never answers. C_GetTokenInfo asks /system/info
// for the serial number and then for the firmware version: two requests, one bound.
TEST_P(DeadlineTest, TlsHandshakeStallEndsWithinTheBound) {
  server().setHandshakeStall(true);
  init();
  CK_TOKEN_INFO info{};
  auto start = Clock::now();
  CK_RV rv = p11_->C_GetTokenInfo(0, &info);
  auto elapsed = Clock::now() - start;
  // Token information is answered from what is known; the serial number stays unknown.
  EXPECT_EQ(rv, CKR_OK);
  EXPECT_LT(elapsed, kBound + kSlack);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(info.serialNumber), 7), "unknown");
}

// A listing whose key fetches all stall: the parallel fetches share the call's
// deadline instead of each taking a full bound.
TEST_P(DeadlineTest, StalledKeyFetchesOfAListingShareTheBound) {
  server().setHandler([](const HttpRequest& r, const Upstream&) -> std::optional<Reply> {
    if (r.path == apiPath("/keys")) {
      std::string list = "[";
      for (int i = 0; i < 20; ++i)
        list += std::string(i ? "," : "") + "{\"id\":\"s" + std::to_string(i) + "\"}";
      return jsonReply(200, list + "]");
    }
    if (r.path.rfind(apiPath("/keys/s"), 0) == 0) {
      Reply stall;
      stall.stall = true;
      return stall;
    }
    return std::nullopt;
  });
  init();
  std::vector<CK_OBJECT_HANDLE> objects;
  auto start = Clock::now();
  EXPECT_EQ(find({}, objects), CKR_DEVICE_REMOVED);
  EXPECT_LT(Clock::now() - start, kBound + kSlack);
}

TEST_P(DeadlineTest, StalledSignEndsWithinTheBound) {
  server().setHandler(onPath(apiPath(std::string("/keys/") + kP256Key + "/sign"),
                             [](const HttpRequest&, const Upstream&) {
                               Reply stall;
                               stall.stall = true;
                               return stall;
                             }));
  init();
  CK_OBJECT_HANDLE key = keyObject(kP256Key);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes sig;
  auto start = Clock::now();
  EXPECT_EQ(sign(key, CKM_ECDSA, Bytes(32, 1), sig), CKR_DEVICE_REMOVED);
  EXPECT_LT(Clock::now() - start, kBound + kSlack);
}

INSTANTIATE_TEST_SUITE_P(HealthChecker, DeadlineTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "thread" : "inline"; });

// 429 with Retry-After (BEHAVIOUR.md §2): the request was not processed, so it is
// sent again after the window, within the call's bound (the cluster's retry loop,
// transport/retry_loop.cpp).
TEST_F(HostileTest, TooManyRequestsWithRetryAfterIsRetriedWithinTheBound) {
  const std::string path = apiPath(std::string("/keys/") + kP256Key + "/sign");
  bool first = true;
  server().setHandler([&](const HttpRequest& r, const Upstream&) -> std::optional<Reply> {
    if (r.path != path || !first) return std::nullopt;
    first = false;
    const std::string body = "{\"message\":\"Too many requests\"}";
    Reply reply;
    reply.head =
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
        "Retry-After: 1\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    return reply;
  });
  initModule("    timeout_seconds: 5\n");
  Bytes digest(32, 3), sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, digest, sig), CKR_OK);
  EXPECT_TRUE(verifiesWithMockKey(kP256Key, CKM_ECDSA, digest, sig));
}

}  // namespace
}  // namespace p11nethsm::hostile
