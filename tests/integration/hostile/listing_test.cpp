// Key listings with one bad key (issue 12 "One bad key hides every key", "Bad key
// material exposed as if fine", key IDs "." ".." ""): the bad key is skipped, every
// other key stays, and no unescaped ID reaches a URL.
#include <nlohmann/json.hpp>

#include "hostile_fixture.hpp"

namespace p11nethsm::hostile {
namespace {

using nlohmann::json;

// GET /keys lists `ids`; GET /keys/bad answers `badKey`; bad has no certificate.
Handler listingWith(std::vector<std::string> ids, std::function<std::optional<Reply>()> badKey) {
  return [ids, badKey](const HttpRequest& r, const Upstream&) -> std::optional<Reply> {
    if (r.method != "GET") return std::nullopt;
    if (r.path == apiPath("/keys")) {
      json list = json::array();
      for (const auto& id : ids) list.push_back({{"id", id}});
      return jsonReply(200, list.dump());
    }
    if (r.path == apiPath("/keys/bad")) return badKey();
    if (r.path == apiPath("/keys/bad/cert")) return replyWith(HttpResponse{404, "", ""});
    return std::nullopt;
  };
}

std::function<std::optional<Reply>()> answer(std::string body) {
  return [body] { return std::optional<Reply>(jsonReply(200, body)); };
}

class ListingTest : public HostileTest {
 protected:
  // Every object of the listing; expects the good key's two objects and no other.
  void expectOnlyGoodKeyListed() {
    std::vector<CK_OBJECT_HANDLE> all;
    ASSERT_EQ(find({}, all), CKR_OK);
    EXPECT_EQ(all.size(), 2u);
    EXPECT_NE(keyObject(kP256Key, CKO_PUBLIC_KEY), CK_INVALID_HANDLE);
    EXPECT_EQ(keyObject("bad", CKO_PUBLIC_KEY), CK_INVALID_HANDLE);
    EXPECT_EQ(keyObject("bad", CKO_PRIVATE_KEY), CK_INVALID_HANDLE);
  }
  json goodKey() { return json::parse(mockKeyJson(kP256Key)); }
};

TEST_F(ListingTest, KeyOfUnknownTypeIsSkippedAndTheOthersStay) {
  json bad = goodKey();
  bad["type"] = "EC_P999";
  server().setHandler(listingWith({kP256Key, "bad"}, answer(bad.dump())));
  initModule();
  expectOnlyGoodKeyListed();
}

TEST_F(ListingTest, KeyAnswered414IsSkippedNotArgumentsBad) {
  server().setHandler(listingWith({kP256Key, "bad"}, [] {
    return std::optional<Reply>(replyWith(HttpResponse{414, "", ""}));
  }));
  initModule();
  expectOnlyGoodKeyListed();
}

TEST_F(ListingTest, UnparseableKeyIsSkipped) {
  for (const std::string& body :
       {std::string("{\"type\":"), std::string("{\"type\":5,\"mechanisms\":[]}"), std::string("[]"),
        std::string("{\"type\":\"EC_P256\",\"mechanisms\":\"ECDSA\"}"),
        std::string("{\"type\":\"EC_P256\",\"mechanisms\":[],\"public\":{\"data\":7}}")}) {
    server().setHandler(listingWith({kP256Key, "bad"}, answer(body)));
    initModule();
    expectOnlyGoodKeyListed();
    finalizeModule();
  }
}

TEST_F(ListingTest, DotDotAndEmptyIdsNeverReachAUrl) {
  server().setHandler(listingWith({".", kP256Key, "..", "", "a/b"}, answer("{}")));
  initModule();
  std::vector<CK_OBJECT_HANDLE> all;
  ASSERT_EQ(find({}, all), CKR_OK);
  EXPECT_EQ(all.size(), 2u);
  for (const auto& request : server().requests()) {
    EXPECT_NE(request, "GET /api/v1/keys/");
    EXPECT_NE(request, "GET /api/v1/");
    EXPECT_EQ(request.find("/keys/./"), std::string::npos) << request;
    EXPECT_EQ(request.find("/keys/../"), std::string::npos) << request;
    EXPECT_EQ(request.find("/keys/%2E"), std::string::npos) << request;
    EXPECT_EQ(request.find("/keys/a"), std::string::npos) << request;
  }
}

// EC points that do not describe a key on the key's curve.
TEST_F(ListingTest, KeysWithBadEcPointsAreSkipped) {
  json good = goodKey();
  Bytes point = base64Decode(good["public"]["data"].get<std::string>()).value();
  Bytes offCurve = point;
  offCurve.back() ^= 0x01;
  Bytes p384Sized(97, 0x04);
  std::vector<json> publics = {
      json(nullptr),
      json::object(),
      json{{"data", nullptr}},
      json{{"data", base64Encode(offCurve)}},
      json{{"data", base64Encode(Bytes(point.begin(), point.begin() + 33))}},
      json{{"data", "AA=="}},  // the point at infinity
      json{{"data", base64Encode(p384Sized)}},
      json{{"data", ""}}};
  for (size_t i = 0; i < publics.size(); ++i) {
    json bad = good;
    if (publics[i].is_null() && i == 0)
      bad.erase("public");
    else
      bad["public"] = publics[i];
    server().setHandler(listingWith({kP256Key, "bad"}, answer(bad.dump())));
    initModule();
    SCOPED_TRACE("case " + std::to_string(i));
    expectOnlyGoodKeyListed();
    finalizeModule();
  }
}

// A valid compressed point is decoded: the key is listed with the uncompressed point.
TEST_F(ListingTest, CompressedEcPointIsDecoded) {
  json bad = goodKey();
  Bytes point = base64Decode(bad["public"]["data"].get<std::string>()).value();
  Bytes compressed(point.begin(), point.begin() + 33);
  compressed[0] = static_cast<uint8_t>(0x02 | (point.back() & 1));
  bad["public"]["data"] = base64Encode(compressed);
  server().setHandler(listingWith({"bad"}, answer(bad.dump())));
  initModule();
  CK_OBJECT_HANDLE pub = keyObject("bad", CKO_PUBLIC_KEY);
  ASSERT_NE(pub, CK_INVALID_HANDLE);
  Bytes expected = {0x04, 0x41};
  expected.insert(expected.end(), point.begin(), point.end());
  EXPECT_EQ(attribute(pub, CKA_EC_POINT), expected);
}

TEST_F(ListingTest, RsaKeysWithImplausibleNumbersAreSkipped) {
  json rsa = json::parse(mockKeyJson(kRsaKey));
  const std::string n = rsa["public"]["modulus"].get<std::string>();
  std::vector<std::pair<std::string, std::string>> cases = {
      {"AQ==", "AQAB"},                            // a 1-bit modulus
      {n, ""},                                     // empty exponent
      {n, "AQAA"},                                 // even exponent
      {n, "AQ=="},                                 // exponent 1
      {base64Encode(Bytes(12500, 0xC3)), "AQAB"},  // 100,000-bit modulus
      {base64Encode(Bytes(64, 0xC3)), "AQAB"},     // 512 bits, below the floor
  };
  for (const auto& [modulus, exponent] : cases) {
    json bad = rsa;
    bad["public"]["modulus"] = modulus;
    bad["public"]["publicExponent"] = exponent;
    server().setHandler(listingWith({kP256Key, "bad"}, answer(bad.dump())));
    initModule();
    SCOPED_TRACE(modulus.substr(0, 8) + " / " + exponent);
    expectOnlyGoodKeyListed();
    finalizeModule();
  }
}

// The huge-modulus key of the issue: not listed, so its 256-byte signature never
// comes back as CKR_OK; found by CKA_ID it is simply absent.
TEST_F(ListingTest, HugeModulusKeyIsNotOfferedForSigning) {
  json bad = json::parse(mockKeyJson(kRsaKey));
  bad["public"]["modulus"] = base64Encode(Bytes(12500, 0xC3));
  server().setHandler(listingWith({"bad"}, answer(bad.dump())));
  initModule();
  EXPECT_EQ(keyObject("bad"), CK_INVALID_HANDLE);
}

// A server error is not a property of one key: the listing fails.
TEST_F(ListingTest, ServerErrorForOneKeyFailsTheListing) {
  server().setHandler(listingWith({kP256Key, "bad"}, [] {
    return std::optional<Reply>(jsonReply(500, "{\"message\":\"boom\"}"));
  }));
  initModule();
  std::vector<CK_OBJECT_HANDLE> all;
  EXPECT_EQ(find({}, all), CKR_DEVICE_ERROR);
}

TEST_F(ListingTest, MalformedKeyListIsDeviceError) {
  for (const std::string& body : {std::string("[{\"id\":5}]"), std::string("{\"id\":\"k\"}"),
                                  std::string("[{\"id\":\"p256\""), std::string("[\"p256\"]")}) {
    server().setHandler([body](const HttpRequest& r, const Upstream&) -> std::optional<Reply> {
      if (r.path != apiPath("/keys")) return std::nullopt;
      return jsonReply(200, body);
    });
    initModule();
    std::vector<CK_OBJECT_HANDLE> all;
    EXPECT_EQ(find({}, all), CKR_DEVICE_ERROR) << body;
    finalizeModule();
  }
}

}  // namespace
}  // namespace p11nethsm::hostile
