// What the client refuses to believe or to put into a URL (issue 12 §1): key IDs from
// the server, the answer cap of each endpoint, text from the appliance in log lines.
#include <gtest/gtest.h>

#include "nethsm/json_codec.hpp"
#include "nethsm/response_caps.hpp"
#include "nethsm/types.hpp"

namespace p11nethsm::nethsm {
namespace {

TEST(KeyId, OnlyTheFirmwaresAlphabet) {
  for (const char* good : {"k1", "A", "a.b", "x_y-z", "0---41"})
    EXPECT_TRUE(isValidKeyId(good)) << good;
  for (const char* bad : {"", ".", "..", ".k", "-k", "_k", "a/b", "a b", "a%2F", "k?x", "k#"})
    EXPECT_FALSE(isValidKeyId(bad)) << bad;
  EXPECT_TRUE(isValidKeyId(std::string(128, 'a')));
  EXPECT_FALSE(isValidKeyId(std::string(129, 'a')));
}

TEST(KeyList, EntriesThatAreNoKeyIdsAreSkipped) {
  auto ids = json_codec::parseKeyList(
      R"([{"id":"."},{"id":"k1"},{"id":".."},{"id":""},{"id":"a/b"},{"id":"k2"}])");
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"k1", "k2"}));
  for (const char* bad : {R"([{"id":5}])", R"({"id":"k"})", R"(["k"])", R"([{"id":"k")"}) {
    auto r = json_codec::parseKeyList(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformedResponse);
  }
}

// fuzz_answers finding: "operations" beyond 2^64 (nlohmann keeps it as a double) was
// converted to uint64_t, undefined behaviour. Such a description is malformed.
TEST(KeyDescription, OperationsMustBeAnUnsignedInteger) {
  const std::string head = R"({"mechanisms":["ECDSA_Signature"],"type":"EC_P256","operations":)";
  const std::string tail = R"(,"public":{"data":"BAEC"},"restrictions":{}})";
  for (const char* bad : {"1e99", "99999999999999999999999", "-1", "1.5", "\"3\"", "null"}) {
    auto key = json_codec::parseKeyInfo(head + bad + tail, "k");
    ASSERT_FALSE(key) << bad;
    EXPECT_EQ(key.error().kind, ErrorKind::kMalformedResponse) << bad;
  }
  auto good = json_codec::parseKeyInfo(head + "18446744073709551615" + tail, "k");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->operations, 18446744073709551615u);
}

TEST(AnswerCaps, OneCapPerEndpoint) {
  EXPECT_EQ(answerCap("GET /keys/{id}/cert"), 1 * kMiB);  // NetHSM certificates ≤ 1 MiB
  EXPECT_EQ(answerCap("GET /keys/{id}"), 64 * kKiB);
  EXPECT_EQ(answerCap("POST /keys/{id}/sign"), 16 * kKiB);
  EXPECT_EQ(answerCap("POST /keys/generate"), kDefaultAnswerCap);
  // Decrypt/encrypt: the base64 of the input and some JSON.
  EXPECT_GE(cryptAnswerCap(256), 344u + 16u);
  EXPECT_LT(cryptAnswerCap(256), 8 * kKiB);
  for (const auto& cap : kAnswerCaps) EXPECT_GE(cap.bytes, 4 * kKiB) << cap.operation;
}

TEST(PrintableExcerpt, OneLogLineWhateverTheServerSent) {
  EXPECT_EQ(printableExcerpt("ok"), "ok");
  EXPECT_EQ(printableExcerpt("a\nb\x01\xff"), "a?b??");
  EXPECT_EQ(printableExcerpt(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

}  // namespace
}  // namespace p11nethsm::nethsm
