// Firmware versions 2.2, 3.0, 3.1, 4.0 and 5.0 (BEHAVIOUR.md §9).
#include <gtest/gtest.h>

#include "mock_client.hpp"

namespace p11nethsm::mock::testing {
namespace {

std::unique_ptr<MockNetHsm> mockWith(const std::string& firmware) {
  MockOptions o;
  o.firmware = firmware;
  return startMock(o);
}

nlohmann::json ecKey(const std::string& type, const std::string& id) {
  return {{"type", type}, {"mechanisms", {"ECDSA_Signature"}}, {"id", id}};
}

// Generates RSA key "r" for PKCS#1 signatures as the administrator; its public PEM
// (empty on failure).
std::string pkcs1SignerPem(Client& c) {
  const nlohmann::json request = {
      {"type", "RSA"}, {"length", 2048}, {"mechanisms", {"RSA_Signature_PKCS1"}}, {"id", "r"}};
  if (c.admin().post("/keys/generate", request).status != 201) return {};
  return c.get("/keys/r/public.pem").body;
}

TEST(MockFirmware, V22AlphanumericIdsAndP224) {
  auto mock = mockWith("2.2");
  ASSERT_TRUE(mock);
  Client c(*mock);
  c.admin();
  EXPECT_EQ(c.get("/system/info").json()["softwareVersion"], "2.2");
  EXPECT_EQ(c.post("/keys/generate", ecKey("EC_P256", "with-dash")).status, 400);
  EXPECT_EQ(c.post("/keys/generate", ecKey("EC_P224", "p224")).status, 201);
  EXPECT_EQ(c.post("/keys/generate", ecKey("BrainpoolP256", "bp")).status, 400);
  EXPECT_EQ(c.get("/keys/p2*").status, 404);  // no prefix listing before 3.0
}

TEST(MockFirmware, V30AddsDigestInfoForPkcs1) {
  auto mock = mockWith("3.0");
  ASSERT_TRUE(mock);
  Client c(*mock);
  const std::string pem = pkcs1SignerPem(c);
  ASSERT_FALSE(pem.empty());
  Bytes hash = digest(EVP_sha256(), "abc");
  Reply r = c.op().post("/keys/r/sign", {{"mode", "PKCS1"}, {"message", base64Encode(hash)}});
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(verifySignature(pem, hash, *base64Decode(r.json()["signature"].get<std::string>()),
                              RSA_PKCS1_PADDING, EVP_sha256()));
  EXPECT_EQ(
      c.post("/keys/r/sign", {{"mode", "PKCS1"}, {"message", base64Encode(Bytes(33, 1))}}).status,
      400);
  EXPECT_EQ(c.admin().post("/keys/generate", ecKey("EC_P224", "p224")).status, 400);
}

TEST(MockFirmware, V31PadsTheGivenBytesAgainAndMovesKeys) {
  auto mock = mockWith("3.1");
  ASSERT_TRUE(mock);
  Client c(*mock);
  const std::string pem = pkcs1SignerPem(c);
  ASSERT_FALSE(pem.empty());
  Bytes hash = digest(EVP_sha256(), "abc");
  Reply bare = c.op().post("/keys/r/sign", {{"mode", "PKCS1"}, {"message", base64Encode(hash)}});
  ASSERT_EQ(bare.status, 200);  // padded as given: not a valid SHA-256 PKCS#1 signature
  EXPECT_FALSE(verifySignature(pem, hash,
                               *base64Decode(bare.json()["signature"].get<std::string>()),
                               RSA_PKCS1_PADDING, EVP_sha256()));
  EXPECT_EQ(c.admin().post("/keys/r/move", {{"newId", "moved.key"}}).json()["id"], "moved.key");
  EXPECT_EQ(c.get("/keys/r").status, 404);
  EXPECT_EQ(c.get("/keys/mov*").json(), nlohmann::json::parse(R"([{"id":"moved.key"}])"));
}

TEST(MockFirmware, V40RejectsLabelsAndServesPrefixListing) {
  auto mock = mockWith("4.0");
  ASSERT_TRUE(mock);
  Client c(*mock);
  c.admin();
  EXPECT_EQ(c.get("/system/info").json()["softwareVersion"], "4.0");
  nlohmann::json labelled = ecKey("EC_P256", "a1");
  labelled["label"] = "mine";
  EXPECT_EQ(c.post("/keys/generate", labelled).status, 400);
  EXPECT_EQ(c.post("/keys/generate", ecKey("EC_P256", "a1")).status, 201);
  EXPECT_EQ(c.raw("PUT", "/keys/a1/label", R"({"label":"x"})", "application/json").status, 404);
  EXPECT_EQ(c.get("/keys/*").status, 400);
}

TEST(MockFirmware, V50KeyLabels) {
  auto mock = mockWith("5.0");
  ASSERT_TRUE(mock);
  Client c(*mock);
  c.admin();
  nlohmann::json labelled = ecKey("EC_P256", "a1");
  labelled["label"] = "mine";
  ASSERT_EQ(c.post("/keys/generate", labelled).status, 201);
  EXPECT_EQ(c.get("/keys/a1").json()["label"], "mine");
  EXPECT_EQ(c.get("/keys?label=mine").json().size(), 1u);
  EXPECT_EQ(c.raw("PUT", "/keys/a1/label", R"({"label":"mine"})", "application/json").status, 304);
  EXPECT_EQ(c.raw("PUT", "/keys/a1/label", R"({"label":"other"})", "application/json").status, 204);
  EXPECT_EQ(c.del("/keys/a1/label").status, 204);
  EXPECT_FALSE(c.get("/keys/a1").json().contains("label"));
}

}  // namespace
}  // namespace p11nethsm::mock::testing
