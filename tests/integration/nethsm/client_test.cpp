// nethsm::Client against mock-nethsm over TLS: role routing (BEHAVIOUR.md §2),
// error kinds, chunked random, firmware-dependent fields, key and certificate
// management.
#include <gtest/gtest.h>

#include "integration/cluster/mock_cluster.hpp"

namespace p11nethsm::testing {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;
using nethsm::Role;

class ClientTest : public ::testing::Test {
 protected:
  void start(const std::string& firmware = "4.0") {
    client_.reset();
    cluster_.reset();  // close its connections before the old mock stops
    hsm_ = startMock(1, firmware);
    ASSERT_NE(hsm_, nullptr);
    transport::ClusterOptions options;
    options.threadsAllowed = false;
    cluster_ = std::make_unique<transport::Cluster>(slotFor(*hsm_), options);
    client_ = std::make_unique<nethsm::Client>(*cluster_, credentials_);
  }
  void SetUp() override { start(); }

  std::string generateEd(const std::string& id = {}, std::optional<std::string> label = {}) {
    return generateEdKey(*client_, id, std::move(label));
  }

  uint64_t calls(const std::string& endpoint) { return hsm_->endpointCount(0, endpoint); }

  TestCredentials credentials_;
  std::unique_ptr<mock::MockNetHsm> hsm_;
  std::unique_ptr<transport::Cluster> cluster_;
  std::unique_ptr<nethsm::Client> client_;
};

TEST_F(ClientTest, PublicEndpointsNeedNoCredentials) {
  credentials_.operator_.reset();
  credentials_.admin_.reset();
  auto info = client_->info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->product, "NetHSM");
  auto state = client_->healthState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, "Operational");
}

TEST_F(ClientTest, GeneratedIdIsTwentyLowercaseHex) {
  const std::string id = generateEd();
  ASSERT_EQ(id.size(), 20u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto key = client_->getKey(id);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->type, KeyType::kCurve25519);
  EXPECT_EQ(key->publicKey.data.size(), 32u);
}

TEST_F(ClientTest, CryptoUsesOperatorAndManagementUsesAdministrator) {
  const std::string id = generateEd("k1");
  auto sig = client_->sign(id, nethsm::SignMode::kEdDsa, toBytes("hello"));
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->size(), 64u);

  credentials_.operator_.reset();  // reads fall back to the administrator; crypto cannot
  EXPECT_TRUE(client_->getKey(id).ok());
  auto noOp = client_->sign(id, nethsm::SignMode::kEdDsa, toBytes("hello"));
  ASSERT_FALSE(noOp.ok());
  EXPECT_EQ(noOp.error().kind, ErrorKind::kNoCredentials);
  EXPECT_EQ(client_->random(8).error().kind, ErrorKind::kNoCredentials);

  credentials_ = TestCredentials();
  credentials_.admin_.reset();
  auto noAdmin = client_->deleteKey(id);
  ASSERT_FALSE(noAdmin.ok());
  EXPECT_EQ(noAdmin.error().kind, ErrorKind::kNoCredentials);
  EXPECT_EQ(client_->systemInfo().error().kind, ErrorKind::kNoCredentials);
  EXPECT_TRUE(client_->listKeys().ok());  // operator reads
}

TEST_F(ClientTest, VerifyLoginDistinguishesPasswordAndRole) {
  transport::BasicAuth op{"operator", SecretString(kOperatorPassword)};
  EXPECT_TRUE(client_->verifyLogin(Role::kOperator, op).ok());
  auto wrongRole = client_->verifyLogin(Role::kAdministrator, op);
  ASSERT_FALSE(wrongRole.ok());
  EXPECT_EQ(wrongRole.error().kind, ErrorKind::kForbidden);
  auto wrongPassword =
      client_->verifyLogin(Role::kOperator, {"operator", SecretString("not-the-password")});
  ASSERT_FALSE(wrongPassword.ok());
  EXPECT_EQ(wrongPassword.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(wrongPassword.error().message.find("not-the-password"), std::string::npos);
  // Within 1 s of a failed attempt the appliance answers 429 (BEHAVIOUR.md §2); the
  // client waits the window out, so the right password is still accepted (issue 9).
  auto afterThrottle = client_->verifyLogin(Role::kOperator, op);
  EXPECT_TRUE(afterThrottle.ok()) << afterThrottle.error().message;
}

TEST_F(ClientTest, RandomIsChunkedBy1024) {
  auto r = client_->random(2500);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 2500u);
  EXPECT_EQ(calls("POST /random"), 3u);
  EXPECT_TRUE(client_->random(0)->empty());
}

TEST_F(ClientTest, ErrorsMapToKinds) {
  auto missing = client_->getKey("nokey");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().httpStatus, 404);
  generateEd("dup");
  nethsm::GenerateKeyRequest again;
  again.type = KeyType::kCurve25519;
  again.mechanisms = {KeyMechanism::kEdDsaSignature};
  again.id = "dup";
  auto exists = client_->generateKey(again);
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.error().kind, ErrorKind::kBadRequest);
  credentials_.operator_->password = SecretString("wrong-password-x");
  auto unauthorized = client_->listKeys();
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_EQ(unauthorized.error().kind, ErrorKind::kUnauthorized);
}

TEST_F(ClientTest, FirmwareVersionFromSystemInfo) {
  EXPECT_EQ(client_->capabilities().firmware, (nethsm::FirmwareVersion{4, 0}));
  EXPECT_EQ(calls("GET /system/info"), 1u);
  EXPECT_TRUE(client_->capabilities().firmwareKnown);
  EXPECT_EQ(client_->capabilities().firmware, (nethsm::FirmwareVersion{4, 0}));
  EXPECT_EQ(calls("GET /system/info"), 1u);  // known: no more I/O
}

TEST_F(ClientTest, LabelIsNotSentToFirmware4) {
  // A 4.0 appliance rejects the unknown field with 400: success proves it was left out.
  const std::string id = generateEd("labelled", std::string("my label"));
  ASSERT_EQ(id, "labelled");
  EXPECT_FALSE(client_->getKey(id)->label.has_value());
  EXPECT_EQ(client_->setLabel(id, "x").error().kind, ErrorKind::kUnsupported);
  EXPECT_EQ(client_->listKeysByLabel("x").error().kind, ErrorKind::kUnsupported);
}

TEST_F(ClientTest, LabelIsSentToFirmware5) {
  start("5.0");
  const std::string id = generateEd("labelled", std::string("my label"));
  auto key = client_->getKey(id);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->label, "my label");
  ASSERT_TRUE(client_->setLabel(id, "renamed").ok());
  auto found = client_->listKeysByLabel("renamed");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(*found, std::vector<std::string>{id});
}

TEST_F(ClientTest, CertificateLifecycle) {
  const std::string id = generateEd("certkey");
  auto none = client_->getCertificate(id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  const Bytes cert = toBytes("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  ASSERT_TRUE(client_->putCertificate(id, cert).ok());
  auto stored = client_->getCertificate(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->value(), cert);
  EXPECT_EQ(client_->putCertificate(id, cert).error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(client_->deleteCertificate(id).ok());
  EXPECT_FALSE(client_->getCertificate(id)->has_value());
}

TEST_F(ClientTest, MoveImportAndDelete) {
  const std::string id = generateEd("old");
  ASSERT_TRUE(client_->moveKey(id, "new").ok());
  EXPECT_EQ(client_->getKey("old").error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(client_->getKey("new").ok());
  auto pem = client_->publicKeyPem("new");
  ASSERT_TRUE(pem.ok()) << pem.error().message;
  EXPECT_NE(pem->find("BEGIN PUBLIC KEY"), std::string::npos);

  nethsm::ImportKeyRequest import;
  import.type = KeyType::kGeneric;
  import.mechanisms = {KeyMechanism::kAesEncryptionCbc, KeyMechanism::kAesDecryptionCbc};
  import.data = SecretString(std::string(16, '\x11'));
  auto imported = client_->importKey(import);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->size(), 20u);
  const Bytes block(16, 0x22);
  auto enc = client_->encryptAesCbc(*imported, block, Bytes(16, 0));
  ASSERT_TRUE(enc.ok()) << enc.error().message;
  auto dec = client_->decrypt(*imported, nethsm::DecryptMode::kAesCbc, enc->encrypted, enc->iv);
  ASSERT_TRUE(dec.ok()) << dec.error().message;
  EXPECT_EQ(*dec, block);

  ASSERT_TRUE(client_->deleteKey("new").ok());
  EXPECT_EQ(client_->deleteKey("new").error().kind, ErrorKind::kNotFound);
  auto keys = client_->listKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, std::vector<std::string>{*imported});
}

// Each change is committed by the mock, then the connection drops before the answer
// (kCloseAfterProcessing): the client checks instead of repeating and reports success.
TEST_F(ClientTest, LostAnswersAreCheckedNotRepeated) {
  using mock::FaultKind;
  using mock::FaultRule;
  generateEd("src");
  const Bytes cert = toBytes("certificate bytes");
  hsm_->addFault(0, FaultRule{FaultKind::kCloseAfterProcessing, "/keys/src/cert", 1, 0});
  EXPECT_TRUE(client_->putCertificate("src", cert).ok());
  hsm_->addFault(0, FaultRule{FaultKind::kCloseAfterProcessing, "/keys/src/cert", 1, 0});
  EXPECT_TRUE(client_->deleteCertificate("src").ok());
  hsm_->addFault(0, FaultRule{FaultKind::kCloseAfterProcessing, "/keys/src/move", 1, 0});
  EXPECT_TRUE(client_->moveKey("src", "dst").ok());
  hsm_->addFault(0, FaultRule{FaultKind::kCloseAfterProcessing, "/keys/dst", 1, 0});
  EXPECT_TRUE(client_->deleteKey("dst").ok());
  nethsm::ImportKeyRequest import;
  import.type = KeyType::kGeneric;
  import.mechanisms = {KeyMechanism::kAesEncryptionCbc};
  import.data = SecretString(std::string(32, '\x42'));
  import.id = "imported";
  hsm_->addFault(0, FaultRule{FaultKind::kCloseAfterProcessing, "/keys/imported", 1, 0});
  auto imported = client_->importKey(import);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(calls("PUT /keys/{id}/cert"), 1u);
  EXPECT_EQ(calls("DELETE /keys/{id}/cert"), 1u);
  EXPECT_EQ(calls("POST /keys/{id}/move"), 1u);
  EXPECT_EQ(calls("DELETE /keys/{id}"), 1u);
  EXPECT_EQ(calls("PUT /keys/{id}"), 1u);
  EXPECT_EQ(*client_->listKeys(), std::vector<std::string>{"imported"});
}

}  // namespace
}  // namespace p11nethsm::testing
