// Huge bodies (issue 12: a 100 MB certificate was read and decoded, 310 MB RSS): each
// endpoint's answer is capped and the transfer aborted once the cap is passed.
#include <cstdio>

#include "hostile_fixture.hpp"

namespace p11nethsm::hostile {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
// Peak RSS growth allowed for one call that meets a huge body.
constexpr size_t kRssAllowance = 48 * kMiB;

// Answers `path` with `bytes` bytes: head, filler, tail.
Handler hugeAnswer(const std::string& path, const std::string& contentType, size_t bytes,
                   const std::string& prefix = "", const std::string& suffix = "") {
  return [=](const HttpRequest& r, const Upstream&) -> std::optional<Reply> {
    if (r.path != path) return std::nullopt;
    Reply reply;
    reply.head = "HTTP/1.1 200 OK\r\nContent-Type: " + contentType +
                 "\r\nContent-Length: " + std::to_string(bytes) + "\r\n\r\n" + prefix;
    reply.fill = bytes - prefix.size() - suffix.size();
    reply.tail = suffix;
    return reply;
  };
}

// Peak RSS growth since `before`, printed and checked against the allowance.
void expectSmallRss(size_t before, const char* what) {
  const size_t grown = peakRssBytes() - before;
  std::printf("[ measured ] %s: peak RSS grew by %.1f MiB\n", what, double(grown) / kMiB);
  EXPECT_LT(grown, kRssAllowance);
}

using SizeTest = HostileTest;

TEST_F(SizeTest, HundredMegabyteCertificateIsCutAndTheKeyStillListed) {
  server().setHandler(hugeAnswer(apiPath(std::string("/keys/") + kP256Key + "/cert"),
                                 "application/octet-stream", 100 * kMiB));
  initModule();
  resetPeakRss();
  const size_t before = peakRssBytes();
  std::string id = kP256Key;
  std::vector<CK_OBJECT_HANDLE> objects;
  ASSERT_EQ(find({{CKA_ID, id.data(), id.size()}}, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 2u);  // the key pair; the oversized certificate is not shown
  expectSmallRss(before, "100 MiB certificate");
}

TEST_F(SizeTest, TwoHundredMegabyteSignatureIsDeviceError) {
  server().setHandler(hugeAnswer(apiPath(std::string("/keys/") + kP256Key + "/sign"),
                                 "application/json", 200 * kMiB, "{\"signature\":\"", "\"}"));
  initModule();
  CK_OBJECT_HANDLE key = keyObject(kP256Key);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  resetPeakRss();
  const size_t before = peakRssBytes();
  Bytes sig;
  EXPECT_EQ(sign(key, CKM_ECDSA, Bytes(32, 1), sig), CKR_DEVICE_ERROR);
  expectSmallRss(before, "200 MiB signature answer");
}

TEST_F(SizeTest, TwoHundredMegabyteKeyListIsDeviceError) {
  server().setHandler(
      hugeAnswer(apiPath("/keys"), "application/json", 200 * kMiB, "[{\"id\":\"", "\"}]"));
  initModule();
  resetPeakRss();
  const size_t before = peakRssBytes();
  std::vector<CK_OBJECT_HANDLE> objects;
  EXPECT_EQ(find({}, objects), CKR_DEVICE_ERROR);
  expectSmallRss(before, "200 MiB key list");
}

TEST_F(SizeTest, HugeKeyDescriptionIsSkipped) {
  server().setHandler([](const HttpRequest& r, const Upstream& up) -> std::optional<Reply> {
    if (r.path == apiPath("/keys")) return jsonReply(200, "[{\"id\":\"p256\"},{\"id\":\"big\"}]");
    if (r.path == apiPath("/keys/big")) {
      Reply reply;
      reply.head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(50 * kMiB) + "\r\n\r\n{\"type\":\"";
      reply.fill = 50 * kMiB - 11;
      reply.tail = "\"}";
      return reply;
    }
    (void)up;
    return std::nullopt;
  });
  initModule();
  std::vector<CK_OBJECT_HANDLE> objects;
  ASSERT_EQ(find({}, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 2u);
}

}  // namespace
}  // namespace p11nethsm::hostile
