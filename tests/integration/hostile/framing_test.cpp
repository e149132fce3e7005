// Broken HTTP framing from the appliance: every answer is either right or an error,
// never a wrong answer with CKR_OK, and never a hang past the timeout.
#include <chrono>

#include "hostile_fixture.hpp"

namespace p11nethsm::hostile {
namespace {

using Clock = std::chrono::steady_clock;
const Bytes kDigest(32, 0x42);

Handler signReply(std::function<Reply(const HttpRequest&, const Upstream&)> make) {
  return onPath(apiPath(std::string("/keys/") + kP256Key + "/sign"), std::move(make));
}

using FramingTest = HostileTest;

// Content-Length promises more than is sent, then the connection closes.
TEST_F(FramingTest, TruncatedAnswerIsAnError) {
  server().setHandler(signReply([](const HttpRequest& r, const Upstream& up) {
    std::string whole = serialize(up(r));
    Reply reply;
    reply.head = whole.substr(0, whole.size() - 10);
    reply.close = true;
    return reply;
  }));
  initModule();
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigest, sig), CKR_DEVICE_REMOVED);
}

TEST_F(FramingTest, ChunkedGarbageIsAnError) {
  server().setHandler(signReply([](const HttpRequest&, const Upstream&) {
    Reply reply;
    reply.head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{\"signature\":\"AAAA\"}\r\n0\r\n\r\n";
    return reply;
  }));
  initModule();
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigest, sig), CKR_DEVICE_REMOVED);
}

TEST_F(FramingTest, GarbageStatusLineIsDeviceError) {
  server().setHandler(signReply([](const HttpRequest&, const Upstream&) {
    Reply reply;
    reply.head = "HTTQ/9 banana\r\n\r\n";
    reply.close = true;
    return reply;
  }));
  initModule();
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigest, sig), CKR_DEVICE_ERROR);
}

// An answer dripped one byte every 50 ms outlasts timeout_seconds: the call ends
// at the timeout.
TEST_F(FramingTest, SlowDripEndsAtTheTimeout) {
  server().setHandler(signReply([](const HttpRequest& r, const Upstream& up) {
    Reply reply = replyWith(up(r));
    reply.drip = std::chrono::milliseconds(50);
    return reply;
  }));
  initModule("    timeout_seconds: 1\n");
  CK_OBJECT_HANDLE key = keyObject(kP256Key);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes sig;
  auto start = Clock::now();
  EXPECT_EQ(sign(key, CKM_ECDSA, kDigest, sig), CKR_DEVICE_REMOVED);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1500));
}

// A 5xx on a sign is retried on the next attempt (sign is idempotent) and then
// reported as a device error.
TEST_F(FramingTest, ServerErrorsOnSignAreDeviceError) {
  server().setHandler(signReply([](const HttpRequest&, const Upstream&) {
    return jsonReply(500, "{\"message\":\"internal\"}");
  }));
  initModule("    retries:\n      count: 1\n");
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigest, sig), CKR_DEVICE_ERROR);
  size_t signs = 0;
  for (const auto& request : server().requests())
    if (request.find("/sign") != std::string::npos) ++signs;
  EXPECT_EQ(signs, 2u);
}

}  // namespace
}  // namespace p11nethsm::hostile
