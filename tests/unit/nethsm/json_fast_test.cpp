// The JSON fast paths of the crypto endpoints give exactly what nlohmann/json gives.
#include "nethsm/json_fast.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "nethsm/json_codec.hpp"

namespace p11nethsm::nethsm::json_codec {
namespace {

using nlohmann::json;

TEST(JsonFast, PlainObjectIsTheJsonOfItsMembers) {
  const std::string body = plainObject({{"mode", "ECDSA"}, {"message", "AAEC/+=="}});
  EXPECT_EQ(body, R"({"mode":"ECDSA","message":"AAEC/+=="})");
  EXPECT_EQ(json::parse(body), (json{{"mode", "ECDSA"}, {"message", "AAEC/+=="}}));
  // Text JSON must escape goes through nlohmann instead.
  const std::string escaped = plainObject({{"a\"b", "c\\d\n"}, {"e", "\x7f"}});
  EXPECT_EQ(json::parse(escaped), (json{{"a\"b", "c\\d\n"}, {"e", "\x7f"}}));
}

TEST(JsonFast, SignBodyParsesToTheFirmwareFields) {
  const auto body = json::parse(signBody(SignMode::kEdDsa, Bytes{1, 2, 3}));
  EXPECT_EQ(body, (json{{"mode", "EdDSA"}, {"message", "AQID"}}));
  const auto decrypt = json::parse(decryptBody(DecryptMode::kAesCbc, Bytes{1}, Bytes{2}));
  EXPECT_EQ(decrypt, (json{{"mode", "AES_CBC"}, {"encrypted", "AQ=="}, {"iv", "Ag=="}}));
}

TEST(JsonFast, OnlyTheCanonicalFormTakesTheFastPath) {
  EXPECT_EQ(canonicalBase64Member(R"({"signature":"AQID"})", "signature"), "AQID");
  EXPECT_EQ(canonicalBase64Member(R"({"signature":""})", "signature"), "");
  for (const char* other :
       {R"({ "signature":"AQID"})", R"({"signature": "AQID"})", R"({"signature":"AQ\/D"})",
        R"({"signature":"AQID","x":1})", R"({"signaturex":"AQID"})", R"({"signature":"AQ"ID"})",
        R"({"signature":"AQID")", R"({"signature":AQID})", R"({"signature"})", "", "{}"}) {
    EXPECT_FALSE(canonicalBase64Member(other, "signature")) << other;
  }
}

TEST(JsonFast, ParseBase64FieldAgreesWithNlohmannOnMutatedBodies) {
  const std::string canonical = R"({"signature":"MEUCIQDdH2r8ZgxS+/Ae6RpOQ8Pa0Q=="})";
  const std::string alphabet = "{}\":, \\/=+Aa0signature\n";
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    std::string body = canonical;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (body.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          body.insert(body.begin() + static_cast<long>(at), c);
          break;
        case 1:
          if (at < body.size()) body.erase(at, 1);
          break;
        default:
          if (at < body.size()) body[at] = c;
          break;
      }
    }
    auto fast = parseBase64Field(body, "signature");
    // The reference: nlohmann's reading of the same body.
    std::optional<Bytes> reference;
    try {
      auto doc = json::parse(body);
      if (auto decoded = base64Decode(doc.at("signature").get<std::string>())) reference = *decoded;
    } catch (const json::exception&) {
    }
    ASSERT_EQ(fast.ok(), reference.has_value()) << body;
    if (reference) {
      ASSERT_EQ(*fast, *reference) << body;
    }
  }
}

}  // namespace
}  // namespace p11nethsm::nethsm::json_codec
