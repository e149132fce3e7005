// Firmware semantics of mock-nethsm (BEHAVIOUR.md §1–§5, §7): states, auth, roles,
// status codes and bodies, content negotiation, ETags, users, keys.
#include <gtest/gtest.h>

#include <thread>

#include "mock_client.hpp"

namespace p11nethsm::mock::testing {
namespace {

TEST(MockApi, UnprovisionedAnswers412BeforeAuthAndProvisionsOverRest) {
  auto mock = startMock({}, false);
  ASSERT_TRUE(mock);
  Client c(*mock);
  EXPECT_EQ(c.get("/info").json()["vendor"], "Nitrokey GmbH");
  EXPECT_EQ(c.get("/health/state").json()["state"], "Unprovisioned");
  EXPECT_EQ(c.get("/health/alive").status, 200);
  Reply r = c.get("/keys");  // no credentials: state check comes first
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(r.json()["message"], "Service not available");
  EXPECT_EQ(c.post("/provision", {{"unlockPassphrase", "short"},
                                  {"adminPassphrase", kAdminPassword},
                                  {"systemTime", "2024-01-01T00:00:00Z"}})
                .status,
            400);
  EXPECT_EQ(c.post("/provision", {{"unlockPassphrase", "unlockunlock"},
                                  {"adminPassphrase", kAdminPassword},
                                  {"systemTime", "2024-01-01T00:00:00+02:00"}})
                .status,
            400);
  EXPECT_EQ(c.post("/provision", {{"unlockPassphrase", "unlockunlock"},
                                  {"adminPassphrase", kAdminPassword},
                                  {"systemTime", "2024-01-01T00:00:00Z"}})
                .status,
            204);
  EXPECT_EQ(c.get("/health/ready").status, 200);
  EXPECT_EQ(c.get("/health/alive").status, 412);
  EXPECT_EQ(c.admin().get("/keys").body, "[]");
}

TEST(MockApi, AuthFailuresAreEmpty401AndRateLimited) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  Reply none = c.get("/keys");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(none.body.empty());
  EXPECT_EQ(none.header("WWW-Authenticate"), "Basic realm=\"NetHSM\"");
  Reply wrong = c.as("admin", "wrong-password").get("/keys");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("WWW-Authenticate"), "Basic realm=\"invalid authorization\"");
  Reply limited = c.admin().get("/keys");  // right password inside the 1 s window
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json()["message"], "Too many requests");
  EXPECT_EQ(c.op().get("/keys").status, 200);  // another user name is not limited
  // Time under test: the window ends 1 s after the failure, then the right password works.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(c.admin().get("/keys").status, 200);
}

TEST(MockApi, RolesAreExactAndForbiddenIsEmpty403) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  Reply gen =
      c.op().post("/keys/generate", {{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}});
  EXPECT_EQ(gen.status, 403);
  EXPECT_TRUE(gen.body.empty());
  ASSERT_EQ(c.admin()
                .post("/keys/generate",
                      {{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}, {"id", "k1"}})
                .status,
            201);
  EXPECT_EQ(c.admin()
                .post("/keys/k1/sign", {{"mode", "ECDSA"}, {"message", base64Encode(Bytes(32, 1))}})
                .status,
            403);
  EXPECT_EQ(c.admin().post("/random", {{"length", 8}}).status, 403);
  EXPECT_EQ(c.op().get("/users/operator").json()["role"], "Operator");  // self
  EXPECT_EQ(c.op().get("/users/admin").status, 403);
  EXPECT_EQ(c.op().get("/system/info").status, 403);
}

TEST(MockApi, GenerateReturnsLocationAnd20HexIdAndRejectsDuplicates) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  Reply r = c.admin().post("/keys/generate",
                           {{"type", "Curve25519"}, {"mechanisms", {"EdDSA_Signature"}}});
  ASSERT_EQ(r.status, 201);
  std::string id = r.json()["id"];
  EXPECT_EQ(id.size(), 20u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(r.header("Location"), "/api/v1/keys/" + id);
  Reply dup = c.admin().post(
      "/keys/generate", {{"type", "Curve25519"}, {"mechanisms", {"EdDSA_Signature"}}, {"id", id}});
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(dup.json()["message"], "Key with id " + id + " already exists");
  EXPECT_EQ(
      c.admin()
          .post("/keys/generate", {{"type", "Curve25519"}, {"mechanisms", {"ECDSA_Signature"}}})
          .status,
      400);
  EXPECT_EQ(c.admin()
                .post("/keys/generate",
                      {{"type", "RSA"}, {"length", 512}, {"mechanisms", {"RSA_Signature_PKCS1"}}})
                .status,
            400);
  EXPECT_EQ(
      c.admin()
          .post("/keys/generate", {{"type", "Curve25519"}, {"mechanisms", nlohmann::json::array()}})
          .status,
      400);
  // Unknown JSON fields give 400, as on the hardware (a 5.0 "label" on 4.0).
  EXPECT_EQ(c.admin()
                .post("/keys/generate",
                      {{"type", "Curve25519"}, {"mechanisms", {"EdDSA_Signature"}}, {"label", "x"}})
                .status,
            400);
  Reply doc = c.admin().get("/keys/" + id);
  EXPECT_EQ(doc.json()["type"], "Curve25519");
  EXPECT_EQ(doc.json()["restrictions"], nlohmann::json::object());
  EXPECT_EQ(base64Decode(doc.json()["public"]["data"].get<std::string>())->size(), 32u);
  EXPECT_EQ(c.admin().get("/keys/missing").status, 404);
  EXPECT_TRUE(c.admin().get("/keys/missing").body.empty());
  EXPECT_EQ(c.admin().get("/keys/bad~id").status, 400);
}

TEST(MockApi, ContentNegotiationAndETags) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  c.admin();
  EXPECT_EQ(
      c.raw("POST", "/keys/generate", R"({"type":"EC_P384","mechanisms":["ECDSA_Signature"]})", "")
          .status,
      415);
  EXPECT_EQ(
      c.raw("POST", "/keys/generate",
            R"({"type":"EC_P384","mechanisms":["ECDSA_Signature"],"id":"e"})", "application/json")
          .status,
      201);
  EXPECT_EQ(c.get("/keys/e", {{"Accept", "text/html"}}).status, 406);
  EXPECT_EQ(c.get("/keys/e", {{"Accept", "*/*"}}).status, 200);
  EXPECT_EQ(c.get("/keys/e/public.pem", {{"Accept", "application/json"}}).status, 406);
  Reply first = c.get("/keys");
  std::string tag = first.header("ETag");
  ASSERT_FALSE(tag.empty());
  EXPECT_EQ(c.get("/keys", {{"If-None-Match", tag}}).status, 304);
  EXPECT_EQ(c.raw("PATCH", "/keys/e", "{}", "application/json").status, 405);
  EXPECT_EQ(c.raw("HEAD", "/keys/e", "", "").status, 200);
  EXPECT_EQ(c.get("/keys/" + std::string(2100, 'a')).status, 414);
  EXPECT_EQ(c.raw("POST", "/keys/generate", std::string(2u << 20, ' '), "application/json").status,
            413);
  EXPECT_EQ(c.get("/nonexistent").status, 404);
  EXPECT_EQ(c.get("/nonexistent").body, "Not found");
}

TEST(MockApi, UsersTagsAndKeyRestrictions) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  Reply created = c.admin().post(
      "/users", {{"realName", "Op2"}, {"role", "Operator"}, {"passphrase", "op2-passphrase"}});
  ASSERT_EQ(created.status, 201);
  std::string op2 = created.json()["id"];
  EXPECT_EQ(c.put("/users/" + op2,
                  {{"realName", "x"}, {"role", "Operator"}, {"passphrase", "op2-passphrase"}})
                .status,
            409);
  EXPECT_EQ(c.put("/users/weak", {{"realName", "x"}, {"role", "Operator"}, {"passphrase", "short"}})
                .status,
            400);
  ASSERT_EQ(c.post("/keys/generate", {{"type", "EC_P256"},
                                      {"mechanisms", {"ECDSA_Signature"}},
                                      {"id", "tagged"},
                                      {"restrictions", {{"tags", {"berlin"}}}}})
                .status,
            201);
  EXPECT_EQ(c.get("/keys/tagged").json()["restrictions"]["tags"], nlohmann::json({"berlin"}));
  nlohmann::json sign{{"mode", "ECDSA"}, {"message", base64Encode(Bytes(32, 7))}};
  Reply denied = c.op().post("/keys/tagged/sign", sign);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.json()["message"], "tags restriction not met");
  EXPECT_EQ(c.op().get("/keys?filter=x").body, "[]");
  EXPECT_EQ(c.admin().raw("PUT", "/users/operator/tags/berlin", "", "application/json").status,
            204);
  EXPECT_EQ(c.admin().raw("PUT", "/users/operator/tags/berlin", "", "application/json").status,
            304);
  EXPECT_EQ(c.admin().raw("PUT", "/users/admin/tags/berlin", "", "application/json").status, 400);
  EXPECT_EQ(c.op().post("/keys/tagged/sign", sign).status, 200);
  EXPECT_EQ(c.op().get("/keys?filter=x").json().size(), 1u);
  EXPECT_EQ(c.admin().del("/users/admin").status, 400);
  EXPECT_EQ(c.admin().del("/users/" + op2).status, 204);
  EXPECT_EQ(c.admin().del("/users/" + op2).status, 404);
}

TEST(MockApi, NamespacesSeparateKeysAndRootOnlyEndpoints) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  ASSERT_EQ(
      c.admin()
          .put("/users/ns1~admin",
               {{"realName", "N"}, {"role", "Administrator"}, {"passphrase", "ns1-admin-pass"}})
          .status,
      201);
  EXPECT_EQ(c.as("ns1~admin", "ns1-admin-pass").get("/keys").status,
            401);  // namespace not created yet
  ASSERT_EQ(c.admin().raw("PUT", "/namespaces/ns1", "", "application/json").status, 204);
  c.as("ns1~admin", "ns1-admin-pass");
  EXPECT_EQ(c.get("/keys").body, "[]");
  ASSERT_EQ(c.post("/keys/generate",
                   {{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}, {"id", "nk"}})
                .status,
            201);
  EXPECT_EQ(c.get("/namespaces").status, 403);
  EXPECT_EQ(c.get("/system/info").status, 403);
  EXPECT_EQ(c.admin().get("/keys/nk").status, 404);  // root sees only root keys
  Reply u = c.as("ns1~admin", "ns1-admin-pass")
                .post("/users",
                      {{"realName", "o"}, {"role", "Operator"}, {"passphrase", "ns1-op-pass1"}});
  EXPECT_EQ(u.json()["id"].get<std::string>().rfind("ns1~", 0), 0u);
  EXPECT_EQ(c.admin().del("/namespaces/ns1").status, 204);
}

TEST(MockApi, LockUnlockAndPassphraseChange) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  EXPECT_EQ(c.admin().raw("POST", "/lock", "", "").status, 204);
  EXPECT_EQ(c.get("/health/state").json()["state"], "Locked");
  EXPECT_EQ(c.admin().get("/keys").status, 412);
  EXPECT_EQ(c.post("/unlock", {{"passphrase", "wrong-passphrase"}}).status, 403);
  Reply limited = c.post("/unlock", {{"passphrase", kUnlockPassphrase}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json()["message"], "Service unavailable: too many requests");
  // Time under test: the unlock window ends 1 s after the wrong passphrase.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(c.post("/unlock", {{"passphrase", kUnlockPassphrase}}).status, 204);
  EXPECT_EQ(c.op().post("/users/operator/passphrase", {{"passphrase", "new-operator-pass"}}).status,
            204);
  EXPECT_EQ(c.as("operator", "new-operator-pass").get("/keys").status, 200);
}

}  // namespace
}  // namespace p11nethsm::mock::testing
