// /system/backup and /system/restore, shutdown per state, response headers and the
// firmware's member order of GET /keys/{id} (BEHAVIOUR.md §1, §5, §8).
#include <gtest/gtest.h>

#include "mock_client.hpp"

namespace p11nethsm::mock::testing {
namespace {

std::string multipart(const std::string& json, const std::string& file) {
  return "--B\r\nContent-Disposition: form-data; name=\"arguments\"\r\n\r\n" + json +
         "\r\n--B\r\nContent-Disposition: form-data; name=\"backup_file\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" +
         file + "\r\n--B--\r\n";
}

TEST(MockSystem, BackupNeedsPassphraseAndRestoresIntoAFreshMock) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  mock->addUser("backup", "Backup", "backup-user-pass");
  Client c(*mock);
  ASSERT_EQ(c.admin()
                .post("/keys/generate",
                      {{"type", "Curve25519"}, {"mechanisms", {"EdDSA_Signature"}}, {"id", "kept"}})
                .status,
            201);
  std::string pub = c.get("/keys/kept/public.pem").body;
  c.as("backup", "backup-user-pass");
  EXPECT_EQ(c.raw("POST", "/system/backup", "", "").status, 412);  // no backup passphrase yet
  EXPECT_EQ(c.admin().raw("POST", "/system/backup", "", "").status, 403);
  ASSERT_EQ(c.admin()
                .put("/config/backup-passphrase",
                     {{"newPassphrase", "backup-passphrase"}, {"currentPassphrase", ""}})
                .status,
            204);
  Reply backup = c.as("backup", "backup-user-pass").raw("POST", "/system/backup", "", "");
  ASSERT_EQ(backup.status, 200);
  EXPECT_EQ(backup.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(backup.body.find("kept"), std::string::npos);  // encrypted

  auto fresh = startMock({}, false);
  ASSERT_TRUE(fresh);
  Client f(*fresh);
  std::string type = "multipart/form-data; boundary=B";
  EXPECT_EQ(f.raw("POST", "/system/restore",
                  multipart(R"({"backupPassphrase":"wrong-passphrase"})", backup.body), type)
                .status,
            400);
  ASSERT_EQ(f.raw("POST", "/system/restore",
                  multipart(R"({"backupPassphrase":"backup-passphrase"})", backup.body), type)
                .status,
            204);
  EXPECT_EQ(f.get("/health/state").json()["state"], "Locked");
  ASSERT_EQ(f.post("/unlock", {{"passphrase", kUnlockPassphrase}}).status, 204);
  EXPECT_EQ(f.admin().get("/keys/kept/public.pem").body, pub);
}

TEST(MockSystem, ShutdownIsPublicOnlyOutsideOperational) {
  auto mock = startMock({}, false);
  ASSERT_TRUE(mock);
  Client c(*mock);
  EXPECT_EQ(c.raw("POST", "/system/shutdown", "", "").status, 204);
  mock->provision(kAdminPassword, kUnlockPassphrase);
  EXPECT_EQ(c.raw("POST", "/system/shutdown", "", "").status, 401);
  EXPECT_EQ(c.admin().raw("POST", "/system/shutdown", "", "").status, 204);
}

TEST(MockSystem, DateHeaderAndKeyMemberOrder) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  Reply info = c.get("/info");
  EXPECT_NE(info.header("Date").find("GMT"), std::string::npos);
  ASSERT_EQ(c.admin()
                .post("/keys/generate",
                      {{"type", "EC_P256"}, {"mechanisms", {"ECDSA_Signature"}}, {"id", "o"}})
                .status,
            201);
  std::string body = c.get("/keys/o").body;
  EXPECT_LT(body.find("\"mechanisms\""), body.find("\"type\""));
  EXPECT_LT(body.find("\"type\""), body.find("\"operations\""));
  EXPECT_LT(body.find("\"public\""), body.find("\"restrictions\""));
  Reply metrics = c.as("admin", kAdminPassword).get("/metrics");
  EXPECT_EQ(metrics.status, 403);
  mock->addUser("metrics", "Metrics", "metrics-pass");
  Reply m = c.as("metrics", "metrics-pass").get("/metrics");
  ASSERT_EQ(m.status, 200);
  const nlohmann::json values = m.json();
  for (const auto& item : values.items()) EXPECT_TRUE(item.value().is_string()) << item.key();
  EXPECT_EQ(m.json()["generate"], "1");
}

}  // namespace
}  // namespace p11nethsm::mock::testing

namespace p11nethsm::mock::testing {
namespace {

TEST(MockSystem, TlsConfigShowsAndReplacesTheInstanceIdentity) {
  auto mock = startMock();
  ASSERT_TRUE(mock);
  Client c(*mock);
  c.admin();
  EXPECT_EQ(c.get("/config/tls/cert.pem").body, mock->certificatePem());
  EXPECT_NE(c.get("/config/tls/public.pem").body.find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_NE(c.post("/config/tls/csr.pem", {{"commonName", "hsm.example"}})
                .body.find("CERTIFICATE REQUEST"),
            std::string::npos);
  std::string before = mock->certificateFingerprint();
  ASSERT_EQ(c.post("/config/tls/generate", {{"type", "EC_P384"}}).status, 204);
  std::string after = mock->certificateFingerprint();
  EXPECT_NE(before, after);
  EXPECT_EQ(servedFingerprint(mock->port()), after);
  auto other = startMock();
  ASSERT_TRUE(other);
  EXPECT_EQ(c.raw("PUT", "/config/tls/cert.pem", other->certificatePem(), "application/x-pem-file")
                .status,
            400);
  EXPECT_EQ(
      c.raw("PUT", "/config/tls/cert.pem", mock->certificatePem(), "application/x-pem-file").status,
      201);
}

}  // namespace
}  // namespace p11nethsm::mock::testing
