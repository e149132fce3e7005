// Which libcurl outcomes prove that no request byte left the machine (then even a
// key generation may move to another instance), path escaping, fingerprint format.
#include "transport/exchange.hpp"

#include <gtest/gtest.h>

#include "transport/handle_pool.hpp"
#include "transport/tls_policy.hpp"

namespace p11nethsm::transport {
namespace {

TEST(FailsBeforeSending, ConnectResolveAndTlsFailures) {
  EXPECT_TRUE(failsBeforeSending(CURLE_COULDNT_CONNECT));
  EXPECT_TRUE(failsBeforeSending(CURLE_COULDNT_RESOLVE_HOST));
  EXPECT_TRUE(failsBeforeSending(CURLE_SSL_CONNECT_ERROR));
  EXPECT_TRUE(failsBeforeSending(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_TRUE(failsBeforeSending(CURLE_SSL_CACERT_BADFILE));
}

TEST(FailsBeforeSending, FailuresAfterTheRequestMayHaveLeft) {
  EXPECT_FALSE(failsBeforeSending(CURLE_OPERATION_TIMEDOUT));  // decided by bytes sent
  EXPECT_FALSE(failsBeforeSending(CURLE_SEND_ERROR));
  EXPECT_FALSE(failsBeforeSending(CURLE_RECV_ERROR));
  EXPECT_FALSE(failsBeforeSending(CURLE_GOT_NOTHING));
  EXPECT_FALSE(failsBeforeSending(CURLE_PARTIAL_FILE));
}

TEST(EscapePathSegment, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(escapePathSegment("Key_1.a-b~c"), "Key_1.a-b~c");
  EXPECT_EQ(escapePathSegment("a/b c?d"), "a%2Fb%20c%3Fd");
  EXPECT_EQ(escapePathSegment(""), "");
}

TEST(FormatFingerprint, UppercaseColonSeparated) {
  config::Sha256Fingerprint fp{};
  for (size_t i = 0; i < fp.size(); ++i) fp[i] = static_cast<uint8_t>(i * 7 + 0xa0);
  const std::string text = formatFingerprint(fp);
  EXPECT_EQ(text.size(), 32 * 3 - 1);
  EXPECT_EQ(text.substr(0, 9), "A0:A7:AE:");
}

TEST(PoolSettings, DefaultsFromTheSlot) {
  config::SlotConfig slot;
  config::InstanceConfig instance;
  instance.url = "https://127.0.0.1:8443/api/v1/";
  slot.instances.push_back(instance);
  PoolSettings s = PoolSettings::forInstance(slot, 0, {});
  EXPECT_EQ(s.baseUrl, "https://127.0.0.1:8443/api/v1");  // no trailing slash
  EXPECT_GE(s.maxIdle, 4u);
  EXPECT_EQ(s.maxIdle, defaultMaxIdleConnections());
  EXPECT_FALSE(s.keepalive.has_value());
  slot.instances[0].maxIdleConnections = 3;
  EXPECT_EQ(PoolSettings::forInstance(slot, 0, {}).maxIdle, 3u);
}

}  // namespace
}  // namespace p11nethsm::transport
