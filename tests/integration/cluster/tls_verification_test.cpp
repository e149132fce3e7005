// TLS peer verification (issue 4 §3 acceptance): a wrong pin, an unknown CA and a
// wrong host name are refused during the handshake, before any request byte (Basic
// auth included) reaches the appliance: the mock's request counter stays 0.
#include <gtest/gtest.h>

#include "integration/cluster/mock_cluster.hpp"

namespace p11nethsm::testing {
namespace {

using transport::Cluster;
using transport::Request;

class TlsVerificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hsm_ = startMock(1);
    ASSERT_NE(hsm_, nullptr);
    hsm_->resetCounters();
  }

  // An authenticated request, so a leak would carry the Authorization header.
  Result<transport::Response> sendKeyList(const config::SlotConfig& slot,
                                          transport::ClusterOptions options = {}) {
    options.threadsAllowed = false;  // only the request under test reaches the mock
    Cluster cluster(slot, options);
    Request request;
    request.path = "/keys";
    request.auth = transport::BasicAuth{"admin", SecretString(kAdminPassword)};
    return cluster.send(request);
  }

  config::SlotConfig slotWith(config::InstanceConfig instance) {
    config::SlotConfig slot;
    slot.timeoutSeconds = 5;
    slot.instances.push_back(std::move(instance));
    return slot;
  }

  std::string urlWithHost(const std::string& host) {
    return "https://" + host + ":" + std::to_string(hsm_->port(0)) + "/api/v1";
  }

  void expectRefusedBeforeAnyByte(const Result<transport::Response>& r) {
    ASSERT_FALSE(r.ok()) << "HTTP " << r->status;
    EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
    EXPECT_EQ(hsm_->counters(0).requests, 0u);
  }

  std::unique_ptr<mock::MockNetHsm> hsm_;
};

TEST_F(TlsVerificationTest, MatchingPinIsAccepted) {
  auto r = sendKeyList(slotFor(*hsm_));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(hsm_->counters(0).requests, 1u);
}

TEST_F(TlsVerificationTest, WrongPinIsRefusedBeforeAnyByte) {
  config::SlotConfig slot = slotFor(*hsm_);
  auto& pin = slot.instances[0].sha256Fingerprints[0];
  pin[0] ^= 0x01;
  expectRefusedBeforeAnyByte(sendKeyList(slot));
}

TEST_F(TlsVerificationTest, AnyOfSeveralPinsMatches) {
  config::SlotConfig slot = slotFor(*hsm_);
  config::Sha256Fingerprint other{};
  slot.instances[0].sha256Fingerprints.insert(slot.instances[0].sha256Fingerprints.begin(), other);
  auto r = sendKeyList(slot);
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(TlsVerificationTest, UnknownCaIsRefusedBeforeAnyByte) {
  config::InstanceConfig instance;  // system CAs only: the mock's self-signed cert is unknown
  instance.url = hsm_->baseUrl(0);
  expectRefusedBeforeAnyByte(sendKeyList(slotWith(instance)));
}

TEST_F(TlsVerificationTest, PrivateCaFileIsAcceptedForTheRightHost) {
  TempFile ca(hsm_->certificatePem(0));
  config::InstanceConfig instance;
  instance.url = urlWithHost("localhost");
  instance.caFile = ca.path();
  auto r = sendKeyList(slotWith(instance));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

TEST_F(TlsVerificationTest, WrongHostNameIsRefusedBeforeAnyByte) {
  // Trusted certificate (ca_file) for 127.0.0.1/localhost, reached as another name
  // that resolves to the same loopback address.
  TempFile ca(hsm_->certificatePem(0));
  config::InstanceConfig instance;
  instance.url = urlWithHost("wrong-name.test");
  instance.caFile = ca.path();
  transport::ClusterOptions options;
  options.resolveOverrides = {"wrong-name.test:" + std::to_string(hsm_->port(0)) + ":127.0.0.1"};
  expectRefusedBeforeAnyByte(sendKeyList(slotWith(instance), options));
}

TEST_F(TlsVerificationTest, InsecureModeAcceptsAnyCertificate) {
  config::InstanceConfig instance;
  instance.url = urlWithHost("wrong-name.test");
  instance.dangerInsecureCert = true;
  transport::ClusterOptions options;
  options.resolveOverrides = {"wrong-name.test:" + std::to_string(hsm_->port(0)) + ":127.0.0.1"};
  auto r = sendKeyList(slotWith(instance), options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

TEST_F(TlsVerificationTest, PlainHttpIsNeverUsed) {
  config::InstanceConfig instance;
  instance.url = "http://127.0.0.1:" + std::to_string(hsm_->port(0)) + "/api/v1";
  instance.dangerInsecureCert = true;
  expectRefusedBeforeAnyByte(sendKeyList(slotWith(instance)));
}

}  // namespace
}  // namespace p11nethsm::testing
