// Retry-safe key generation (issue 4 acceptance): the mock commits a key generation
// and drops the connection before answering, 1,000 times; the client must neither
// fail nor create a duplicate key.
#include <gtest/gtest.h>

#include <set>

#include "integration/cluster/mock_cluster.hpp"

namespace p11nethsm::testing {
namespace {

TEST(KeyGenerationFaults, CommitThenDropNeverDuplicatesAKey) {
  constexpr int kFaults = 1000;
  auto hsm = startMock(2);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm);
  slot.retries.count = 2;
  transport::Cluster cluster(slot, fastOptions());
  cluster.start();
  TestCredentials credentials;
  nethsm::Client client(cluster, credentials);
  for (size_t i = 0; i < 2; ++i) {
    hsm->addFault(i, mock::FaultRule{mock::FaultKind::kCloseAfterProcessing, "/keys/generate",
                                     kFaults / 2, 0});
  }
  nethsm::GenerateKeyRequest request;
  request.type = nethsm::KeyType::kGeneric;
  request.length = 128;
  request.mechanisms = {nethsm::KeyMechanism::kAesEncryptionCbc};
  std::set<std::string> ids;
  size_t failures = 0;
  std::string lastError;
  for (int i = 0; i < kFaults; ++i) {
    auto id = client.generateKey(request);
    if (id) {
      ids.insert(*id);
    } else {
      ++failures;
      lastError = id.error().message;
    }
  }
  EXPECT_EQ(failures, 0u) << lastError;
  const uint64_t generates =
      hsm->endpointCount(0, "POST /keys/generate") + hsm->endpointCount(1, "POST /keys/generate");
  EXPECT_EQ(generates, static_cast<uint64_t>(kFaults));  // each sent exactly once
  auto keys = client.listKeys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->size(), ids.size());  // no key the caller does not know of
  EXPECT_EQ(ids.size(), static_cast<size_t>(kFaults));
}

TEST(KeyGenerationFaults, AnswerLostOnAStalledInstanceIsCheckedNotRepeated) {
  auto hsm = startMock(1);
  ASSERT_NE(hsm, nullptr);
  config::SlotConfig slot = slotFor(*hsm, 1);
  slot.timeoutSeconds = 1;
  transport::Cluster cluster(slot, withoutThreads());
  TestCredentials credentials;
  nethsm::Client client(cluster, credentials);
  hsm->addFault(0, mock::FaultRule{mock::FaultKind::kStall, "/keys/generate", 1, 0});
  nethsm::GenerateKeyRequest request;
  request.type = nethsm::KeyType::kCurve25519;
  request.mechanisms = {nethsm::KeyMechanism::kEdDsaSignature};
  request.id = "stallkey";
  auto id = client.generateKey(request);
  hsm->clearFaults(0);  // release the stalled worker
  // The stalled generation never ran: the check finds no key and the second round
  // creates it, once.
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, "stallkey");
  auto keys = client.listKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);
}

}  // namespace
}  // namespace p11nethsm::testing
