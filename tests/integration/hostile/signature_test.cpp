// Answers to POST /keys/{id}/sign and /decrypt that must never come back as CKR_OK
// (issue 12: stale answers, lengths against the key, r = s = 0, another key's signature).
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "hostile_fixture.hpp"

namespace p11nethsm::hostile {
namespace {

const Bytes kDigestA(32, 0xA1);
const Bytes kDigestB(32, 0xB2);

std::string signPath(const std::string& keyId) { return apiPath("/keys/" + keyId + "/sign"); }

Handler rawSignBody(const std::string& keyId, const std::string& body) {
  return onPath(signPath(keyId),
                [body](const HttpRequest&, const Upstream&) { return jsonReply(200, body); });
}

// Answers POST /keys/<keyId>/sign with {"signature": base64(sig)}.
Handler signatureAnswer(const std::string& keyId, const Bytes& sig) {
  return rawSignBody(keyId, "{\"signature\":\"" + base64Encode(sig) + "\"}");
}

// Relays the sign answer of kP256Key, changed by `change` (which may see the first
// request only once).
Handler changedP256Answer(std::function<void(Reply&, bool first)> change) {
  auto first = std::make_shared<bool>(true);
  return onPath(signPath(kP256Key), [change, first](const HttpRequest& r, const Upstream& up) {
    Reply reply = replyWith(up(r));
    change(reply, *first);
    *first = false;
    return reply;
  });
}

Bytes hex(const std::string& text) { return hexDecode(text, false).value_or(Bytes{}); }

using SignatureTest = HostileTest;

// The server answers a sign request, then 50 ms later sends that answer again,
// unasked, on the same keep-alive connection. The next C_Sign must not take it.
TEST_F(SignatureTest, StaleSecondAnswerOnKeepAliveConnectionIsNeverTaken) {
  server().setHandler(changedP256Answer([](Reply& reply, bool first) {
    if (!first) return;
    reply.followUp = reply.head;
    reply.followUpDelay = std::chrono::milliseconds(50);
  }));
  initModule();
  CK_OBJECT_HANDLE key = keyObject(kP256Key);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes sigA, sigB;
  ASSERT_EQ(sign(key, CKM_ECDSA, kDigestA, sigA), CKR_OK);
  EXPECT_TRUE(verifiesWithMockKey(kP256Key, CKM_ECDSA, kDigestA, sigA));
  ASSERT_TRUE(server().waitForFollowUps(1, std::chrono::seconds(10)));
  ASSERT_EQ(sign(key, CKM_ECDSA, kDigestB, sigB), CKR_OK);
  EXPECT_TRUE(verifiesWithMockKey(kP256Key, CKM_ECDSA, kDigestB, sigB))
      << "C_Sign returned the stale answer to the previous request";
  Bytes sigC;
  ASSERT_EQ(sign(key, CKM_ECDSA, kDigestA, sigC), CKR_OK);
  EXPECT_TRUE(verifiesWithMockKey(kP256Key, CKM_ECDSA, kDigestA, sigC));
}

// Two answers in one write (a Content-Length that ends before the bytes do).
TEST_F(SignatureTest, ExcessBytesAfterAnAnswerAreNeverTakenForTheNextAnswer) {
  server().setHandler(changedP256Answer([](Reply& reply, bool first) {
    if (first) reply.head += reply.head;
  }));
  initModule();
  CK_OBJECT_HANDLE key = keyObject(kP256Key);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes sigA, sigB;
  ASSERT_EQ(sign(key, CKM_ECDSA, kDigestA, sigA), CKR_OK);
  ASSERT_EQ(sign(key, CKM_ECDSA, kDigestB, sigB), CKR_OK);
  EXPECT_TRUE(verifiesWithMockKey(kP256Key, CKM_ECDSA, kDigestB, sigB));
}

TEST_F(SignatureTest, RsaSignatureShorterOrLongerThanTheModulusIsDeviceError) {
  for (size_t length : {128u, 255u, 257u, 512u}) {
    server().setHandler(signatureAnswer(kRsaKey, Bytes(length, 0x5A)));
    initModule();
    CK_OBJECT_HANDLE key = keyObject(kRsaKey);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    Bytes sig;
    EXPECT_EQ(sign(key, CKM_SHA256_RSA_PKCS, toBytes("data"), sig), CKR_DEVICE_ERROR) << length;
    finalizeModule();
  }
}

TEST_F(SignatureTest, EcdsaSignatureWithRAndSZeroIsDeviceError) {
  server().setHandler(signatureAnswer(kP256Key, hex("3006020100020100")));
  initModule();
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigestA, sig), CKR_DEVICE_ERROR);
}

TEST_F(SignatureTest, EcdsaSignatureOutsideTheGroupOrderIsDeviceError) {
  // r = n (P-256 group order), s = 1; then r = 1, s = -1.
  const std::string n = "00ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
  for (const std::string& der :
       {"3026022100" + n.substr(2) + "020101", std::string("30060201010201ff")}) {
    server().setHandler(signatureAnswer(kP256Key, hex(der)));
    initModule();
    Bytes sig;
    EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigestA, sig), CKR_DEVICE_ERROR) << der;
    finalizeModule();
  }
}

TEST_F(SignatureTest, EcdsaDerWithTrailingBytesIsDeviceError) {
  server().setHandler(onPath(signPath(kP256Key), [](const HttpRequest& r, const Upstream& up) {
    HttpResponse good = up(r);
    auto field = good.body.find("\":\"");
    Bytes der = base64Decode(good.body.substr(field + 3, good.body.rfind('"') - field - 3))
                    .value_or(Bytes{});
    der.push_back(0x00);
    return jsonReply(200, "{\"signature\":\"" + base64Encode(der) + "\"}");
  }));
  initModule();
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigestA, sig), CKR_DEVICE_ERROR);
}

// A well-formed signature, by another key: verify_signatures catches it.
TEST_F(SignatureTest, SignatureByAnotherKeyIsDeviceErrorWhenVerifying) {
  server().setHandler(onPath(signPath(kP256Key), [](const HttpRequest& r, const Upstream& up) {
    HttpRequest other = r;
    other.path = signPath(kOtherKey);
    return replyWith(up(other));
  }));
  initModule("    verify_signatures: true\n");
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigestA, sig), CKR_DEVICE_ERROR);
}

TEST_F(SignatureTest, VerificationPassesGenuineSignatures) {
  initModule("    verify_signatures: true\n");
  for (const auto& [id, mech, data] :
       {std::tuple{kP256Key, CKM_ECDSA, kDigestA}, std::tuple{kEdKey, CKM_EDDSA, toBytes("m")},
        std::tuple{kRsaKey, CKM_SHA256_RSA_PKCS, toBytes("m")}}) {
    Bytes sig;
    ASSERT_EQ(sign(keyObject(id), mech, data, sig), CKR_OK) << id;
    EXPECT_TRUE(verifiesWithMockKey(id, mech, data, sig)) << id;
  }
}

TEST_F(SignatureTest, Ed25519SignatureOfWrongLengthIsDeviceError) {
  server().setHandler(signatureAnswer(kEdKey, Bytes(63, 1)));
  initModule();
  Bytes sig;
  EXPECT_EQ(sign(keyObject(kEdKey), CKM_EDDSA, toBytes("m"), sig), CKR_DEVICE_ERROR);
}

TEST_F(SignatureTest, MalformedSignBodiesAreDeviceError) {
  for (const std::string& body :
       {std::string("{\"signature\":\"AAA"), std::string("{\"signature\":12}"),
        std::string("{\"signature\":\"!!!not base64!!!\"}"), std::string("[]"),
        std::string("{\"signature\":null}"), std::string(""), std::string("{}")}) {
    server().setHandler(rawSignBody(kP256Key, body));
    initModule();
    Bytes sig;
    EXPECT_EQ(sign(keyObject(kP256Key), CKM_ECDSA, kDigestA, sig), CKR_DEVICE_ERROR) << body;
    finalizeModule();
  }
}

// RSA PKCS#1 v1.5 decryption cannot give more than k − 11 bytes.
TEST_F(SignatureTest, DecryptOutputLongerThanTheKeyAllowsIsDeviceError) {
  server().setHandler(onPath(apiPath(std::string("/keys/") + kRsaKey + "/decrypt"),
                             [](const HttpRequest&, const Upstream&) {
                               return jsonReply(
                                   200, "{\"decrypted\":\"" + base64Encode(Bytes(250, 7)) + "\"}");
                             }));
  initModule();
  CK_OBJECT_HANDLE key = keyObject(kRsaKey);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(p11_->C_DecryptInit(session_, &m, key), CKR_OK);
  Bytes cipher(256, 1), plain(1024);
  CK_ULONG len = plain.size();
  EXPECT_EQ(p11_->C_Decrypt(session_, cipher.data(), 256, plain.data(), &len), CKR_DEVICE_ERROR);
}

}  // namespace
}  // namespace p11nethsm::hostile
