// NetHSM JSON bodies (BEHAVIOUR.md §5–§8): parsing answers, building requests.
#include "nethsm/json_codec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace p11nethsm::nethsm::json_codec {
namespace {

using nlohmann::json;

TEST(JsonParse, RsaKey) {
  auto info = parseKeyInfo(
      R"({"mechanisms":["RSA_Signature_PKCS1","RSA_Signature_PSS_SHA256","Future_Mech"],
          "type":"RSA","operations":3,
          "public":{"modulus":"AQID","publicExponent":"AQAB"},
          "restrictions":{"tags":["berlin"]}})",
      "k1");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->id, "k1");
  EXPECT_EQ(info->type, KeyType::kRsa);
  EXPECT_EQ(info->mechanisms, (std::vector<KeyMechanism>{KeyMechanism::kRsaSignaturePkcs1,
                                                         KeyMechanism::kRsaSignaturePssSha256}));
  EXPECT_EQ(info->publicKey.modulus, (Bytes{1, 2, 3}));
  EXPECT_EQ(info->publicKey.publicExponent, (Bytes{1, 0, 1}));
  EXPECT_EQ(info->tags, std::vector<std::string>{"berlin"});
  EXPECT_EQ(info->operations, 3u);
  EXPECT_FALSE(info->label.has_value());
}

TEST(JsonParse, EcGenericAndLabel) {
  auto ec = parseKeyInfo(R"({"mechanisms":["ECDSA_Signature"],"type":"EC_P256","operations":0,
                             "public":{"data":"BAEC"},"restrictions":{},"label":"web"})",
                         "e");
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->publicKey.data, (Bytes{4, 1, 2}));
  EXPECT_EQ(ec->label, "web");
  auto generic = parseKeyInfo(
      R"({"mechanisms":["AES_Encryption_CBC"],"type":"Generic","operations":0,"restrictions":{}})",
      "g");
  ASSERT_TRUE(generic.ok());
  EXPECT_TRUE(generic->publicKey.data.empty());
  EXPECT_TRUE(generic->publicKey.modulus.empty());
}

TEST(JsonParse, UnknownKeyTypeIsUnsupported) {
  auto r = parseKeyInfo(R"({"mechanisms":[],"type":"ML_DSA","operations":0})", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnsupported);
}

TEST(JsonParse, MalformedAnswersNeverEchoTheBody) {
  const std::string secretish = "c2VjcmV0LXBsYWludGV4dA";  // no padding: bad base64
  auto r = parseBase64Field(R"({"decrypted":")" + secretish + R"("})", "decrypted");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformedResponse);
  EXPECT_EQ(r.error().message.find(secretish), std::string::npos);
  auto broken = parseBase64Field("{\"decrypted\": \"" + secretish, "decrypted");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message.find(secretish), std::string::npos);
  EXPECT_FALSE(parseKeyList(R"({"id":"k"})").ok());
  EXPECT_FALSE(parseKeyInfo(R"([1,2])", "k").ok());
}

TEST(JsonParse, ListsAndSmallAnswers) {
  auto ids = parseKeyList(R"([{"id":"k1"},{"id":"k2"}])");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_TRUE(parseKeyList("[]")->empty());
  EXPECT_EQ(*parseStringField(R"({"state":"Operational"})", "state"), "Operational");
  auto sys = parseSystemInfo(R"({"softwareVersion":"4.0","softwareBuild":"b","firmwareVersion":"f",
                                 "hardwareVersion":"h","deviceId":"D1","akPub":{},"pcr":{}})");
  ASSERT_TRUE(sys.ok());
  EXPECT_EQ(sys->softwareVersion, "4.0");
  EXPECT_EQ(sys->deviceId, "D1");
  auto enc = parseEncryptResult(R"({"encrypted":"AAAA","iv":"AQID"})");
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->iv, (Bytes{1, 2, 3}));
}

TEST(JsonBuild, GenerateOmitsLabelForOldFirmware) {
  GenerateKeyRequest req;
  req.type = KeyType::kEcP256;
  req.mechanisms = {KeyMechanism::kEcdsaSignature};
  req.tags = {"t1"};
  req.label = "my key";
  json old = json::parse(*generateKeyBody(req, "abc", false));
  EXPECT_FALSE(old.contains("label"));
  EXPECT_FALSE(old.contains("length"));  // EC: no length
  EXPECT_EQ(old["id"], "abc");
  EXPECT_EQ(old["type"], "EC_P256");
  EXPECT_EQ(old["mechanisms"], json::array({"ECDSA_Signature"}));
  EXPECT_EQ(old["restrictions"]["tags"], json::array({"t1"}));
  json v5 = json::parse(*generateKeyBody(req, "abc", true));
  EXPECT_EQ(v5["label"], "my key");
  req.type = KeyType::kRsa;
  req.length = 2048;
  req.tags.clear();
  json rsa = json::parse(*generateKeyBody(req, "r", false));
  EXPECT_EQ(rsa["length"], 2048);
  EXPECT_FALSE(rsa.contains("restrictions"));
}

TEST(JsonBuild, ImportBodies) {
  ImportKeyRequest rsa;
  rsa.type = KeyType::kRsa;
  rsa.mechanisms = {KeyMechanism::kRsaSignaturePkcs1};
  rsa.primeP = {1};
  rsa.primeQ = {2};
  rsa.publicExponent = {1, 0, 1};
  json r = json::parse(*importKeyBody(rsa, false));
  EXPECT_EQ(r["private"]["primeP"], "AQ==");
  EXPECT_EQ(r["private"]["publicExponent"], "AQAB");
  EXPECT_FALSE(r["private"].contains("data"));
  ImportKeyRequest ed;
  ed.type = KeyType::kCurve25519;
  ed.data = SecretString(std::string("\x01\x02\x03", 3));
  json e = json::parse(*importKeyBody(ed, false));
  EXPECT_EQ(e["private"]["data"], "AQID");
  EXPECT_EQ(e["type"], "Curve25519");
}

TEST(JsonBuild, CryptoBodies) {
  json s = json::parse(signBody(SignMode::kEcdsa, Bytes{0xff}));
  EXPECT_EQ(s, (json{{"mode", "ECDSA"}, {"message", "/w=="}}));
  json d = json::parse(decryptBody(DecryptMode::kAesCbc, Bytes{1}, Bytes{2}));
  EXPECT_EQ(d["iv"], "Ag==");
  EXPECT_FALSE(json::parse(decryptBody(DecryptMode::kRaw, Bytes{1}, std::nullopt)).contains("iv"));
  EXPECT_EQ(json::parse(encryptBody(Bytes{1}, std::nullopt)),
            (json{{"mode", "AES_CBC"}, {"message", "AQ=="}}));
  EXPECT_EQ(json::parse(randomBody(1024))["length"], 1024);
  EXPECT_EQ(json::parse(*passphraseBody(SecretString("0123456789")))["passphrase"], "0123456789");
  EXPECT_EQ(json::parse(*moveBody("n"))["newId"], "n");
}

TEST(JsonBuild, TextThatIsNotUtf8IsRefusedNotThrown) {
  const std::string latin1 = "caf\xe9";
  GenerateKeyRequest req;
  req.type = KeyType::kCurve25519;
  req.label = latin1;
  auto gen = generateKeyBody(req, "k", true);
  ASSERT_FALSE(gen.ok());
  EXPECT_EQ(gen.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(generateKeyBody(req, "k", false).ok());  // the label is not sent
  EXPECT_EQ(passphraseBody(SecretString(latin1)).error().kind, ErrorKind::kInvalidArgument);
  EXPECT_FALSE(labelBody(latin1).ok());
  EXPECT_FALSE(moveBody(latin1).ok());
  req.tags = {latin1};
  EXPECT_FALSE(generateKeyBody(req, "k", false).ok());
}

}  // namespace
}  // namespace p11nethsm::nethsm::json_codec
