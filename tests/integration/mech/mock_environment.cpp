#include "mock_environment.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include "mech/aes_block.hpp"
#include "mech/ec_curve.hpp"
#include "mech/keygen.hpp"
#include "p11nethsm_test/provisioned_mock.hpp"
#include "unit/mech/bn_param.hpp"
#include "unit/mech/test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

struct State {
  std::unique_ptr<mock::MockNetHsm> server;
  std::unique_ptr<transport::Cluster> cluster;
  p11nethsm::testing::TestCredentials credentials;
  std::unique_ptr<nethsm::Client> client;
};

State*& state() {
  static State* s = nullptr;
  return s;
}

class MockBackend final : public KeyBackend {
 public:
  void addKey(const std::string& id, nethsm::KeyType type, EVP_PKEY* key) override {
    importIntoMock(id, importTemplate(type, key));
  }
  void addSecret(const std::string& id, const Bytes& secret) override {
    Template t;
    t.ulong(CKA_CLASS, CKO_SECRET_KEY).ulong(CKA_KEY_TYPE, CKK_AES).raw(CKA_VALUE, secret);
    importIntoMock(id, t);
  }
  std::shared_ptr<Appliance> appliance() override {
    return clientAppliance(mockClient(), kBlockRequestWorkers);  // as production with threads
  }
  uint64_t calls() const override { return mockServer().counters().requests; }
};

class MockEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    auto* s = new State();
    s->server = p11nethsm::testing::startProvisionedMock();
    ASSERT_TRUE(s->server);
    s->cluster = std::make_unique<transport::Cluster>(
        p11nethsm::testing::pinnedSlotFor(*s->server, "mock"), transport::ClusterOptions{});
    s->client = std::make_unique<nethsm::Client>(*s->cluster, s->credentials);
    state() = s;
    useKeyBackend(new MockBackend());
  }
  void TearDown() override {
    if (state() != nullptr && state()->server) state()->server->stop();
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new MockEnvironment());

}  // namespace

// The private key as a C_CreateObject template, imported with keyImportRequest.
Template importTemplate(nethsm::KeyType type, EVP_PKEY* key) {
  Template t;
  t.ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  if (type == nethsm::KeyType::kRsa) {
    t.ulong(CKA_KEY_TYPE, CKK_RSA).raw(CKA_PUBLIC_EXPONENT, bnParam(key, OSSL_PKEY_PARAM_RSA_E));
    t.raw(CKA_PRIME_1, bnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
    t.raw(CKA_PRIME_2, bnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
  } else if (type == nethsm::KeyType::kCurve25519) {
    Bytes seed(32);
    size_t len = seed.size();
    EVP_PKEY_get_raw_private_key(key, seed.data(), &len);
    t.ulong(CKA_KEY_TYPE, CKK_EC_EDWARDS).raw(CKA_VALUE, seed);
  } else {
    t.ulong(CKA_KEY_TYPE, CKK_EC).raw(CKA_EC_PARAMS, *ecParamsDer(*curveForKeyType(type)));
    t.raw(CKA_VALUE, bnParam(key, OSSL_PKEY_PARAM_PRIV_KEY));
  }
  return t;
}

void importIntoMock(const std::string& id, const Template& t) {
  auto req = keyImportRequest(t.attrs(), mockClient().capabilities());
  ASSERT_TRUE(req) << req.error().message;
  req->id = id;
  auto done = mockClient().importKey(*req);
  ASSERT_TRUE(done) << id << ": " << done.error().message;
}

nethsm::Client& mockClient() { return *state()->client; }
mock::MockNetHsm& mockServer() { return *state()->server; }

}  // namespace p11nethsm::mech::test
