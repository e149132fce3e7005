// mock-nethsm building blocks without a server.
#include <gtest/gtest.h>

#include "bip340.hpp"
#include "codec.hpp"
#include "faults.hpp"
#include "firmware.hpp"
#include "key_ops.hpp"

namespace p11nethsm::mock {
namespace {

TEST(MockCodec, Base64IsStrictRfc4648WithPaddingAndIgnoresNewlines) {
  EXPECT_EQ(base64Encode(toBytes("ab")), "YWI=");
  EXPECT_EQ(toString(*base64Decode("YWI=")), "ab");
  EXPECT_EQ(toString(*base64Decode("YW\nI=")), "ab");
  EXPECT_FALSE(base64Decode("YWI"));
  EXPECT_FALSE(base64Decode("Y=I="));
  EXPECT_FALSE(base64Decode("YW-_"));
}

TEST(MockCodec, GeneratedIdsAre20LowercaseHex) {
  std::string a = generateId(), b = generateId();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(MockFirmwareRules, IdSyntaxDependsOnVersion) {
  Firmware v22 = *Firmware::parse("2.2"), v40 = *Firmware::parse("4.0");
  EXPECT_TRUE(validId("abc123", v22));
  EXPECT_FALSE(validId("a-b", v22));
  EXPECT_TRUE(validId("a-b_c.d", v40));
  EXPECT_FALSE(validId("-ab", v40));
  EXPECT_FALSE(validId(std::string(129, 'a'), v40));
  EXPECT_FALSE(Firmware::parse("4.1"));
  EXPECT_TRUE(Firmware::parse("3.0")->pkcs1AddsDigestInfo());
  EXPECT_FALSE(Firmware::parse("3.1")->pkcs1AddsDigestInfo());
}

TEST(MockKeyOps, ModesMapToMechanisms) {
  EXPECT_EQ(signMechanism("PSS_SHA384"), "RSA_Signature_PSS_SHA384");
  EXPECT_EQ(signMechanism("PSS_SHA3"), "");
  EXPECT_EQ(decryptMechanism("OAEP_MD5"), "RSA_Decryption_OAEP_MD5");
  EXPECT_EQ(decryptMechanism("AES_CBC"), "AES_Decryption_CBC");
  EXPECT_EQ(encryptMechanism("PKCS1"), "");
}

TEST(MockKeyOps, EcdsaInputMustEqualTheCurveDigestSize) {
  std::string err;
  auto p521 = KeyMaterial::generate(KeyType::kEcP521, 0, err);
  ASSERT_TRUE(p521);
  EXPECT_TRUE(signData(*p521, "ECDSA", Bytes(64, 1), false).ok);
  EXPECT_FALSE(signData(*p521, "ECDSA", Bytes(66, 1), false).ok);
  EXPECT_FALSE(signData(*p521, "EdDSA", Bytes(64, 1), false).ok);
}

TEST(MockKeyOps, GenericKeysEncryptAesCbcWithoutPadding) {
  std::string err;
  auto aes = KeyMaterial::generate(KeyType::kGeneric, 128, err);
  ASSERT_TRUE(aes);
  OpResult enc = encryptData(*aes, "AES_CBC", Bytes(16, 2), std::nullopt);
  ASSERT_TRUE(enc.ok);
  EXPECT_EQ(enc.output.size(), 16u);
  EXPECT_EQ(enc.iv.size(), 16u);
  OpResult dec = decryptData(*aes, "AES_CBC", enc.output, enc.iv);
  EXPECT_EQ(dec.output, Bytes(16, 2));
  EXPECT_FALSE(decryptData(*aes, "AES_CBC", enc.output, std::nullopt).ok);
  EXPECT_FALSE(KeyMaterial::generate(KeyType::kGeneric, 64, err));
}

TEST(MockKeyMaterial, StorageRoundTripKeepsThePublicKey) {
  std::string err;
  for (KeyType t :
       {KeyType::kRsa, KeyType::kCurve25519, KeyType::kBrainpoolP384, KeyType::kGeneric}) {
    auto k = KeyMaterial::generate(t, t == KeyType::kRsa ? 1024 : 256, err);
    ASSERT_TRUE(k) << keyTypeName(t);
    auto back = KeyMaterial::fromStorage(k->toStorage());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->publicJson(), k->publicJson());
    EXPECT_EQ(back->secret(), k->secret());
  }
}

TEST(MockFaultSet, RulesCountDownAndMatchTheWholePath) {
  FaultSet f;
  f.add({FaultKind::kFailStatus, "/keys/.*/sign", 2, 500});
  EXPECT_FALSE(f.take("/keys"));
  EXPECT_FALSE(f.take("/x/keys/a/sign"));
  EXPECT_EQ(f.take("/keys/a/sign")->status, 500);
  EXPECT_TRUE(f.take("/keys/b/sign"));
  EXPECT_FALSE(f.take("/keys/c/sign"));
  f.add({FaultKind::kReset, "", -1, 0});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(f.take("/anything")->kind, FaultKind::kReset);
  f.clear();
  EXPECT_FALSE(f.take("/anything"));
}

}  // namespace
}  // namespace p11nethsm::mock

namespace p11nethsm::mock {
namespace {

// BIP-340 test vector 0 (bip-0340/test-vectors.csv): sk = 3, aux = 0, msg = 0.
TEST(MockBip340, MatchesTheBipTestVectorAndVerifies) {
  std::string err;
  Bytes sk(32, 0);
  sk[31] = 3;
  auto key = KeyMaterial::fromJson(KeyType::kEcP256K1, {{"data", base64Encode(sk)}}, err);
  ASSERT_TRUE(key);
  Bytes msg(32, 0);
  auto sig = bip340Sign(key->pkey(), msg, Bytes(32, 0));
  ASSERT_TRUE(sig);
  EXPECT_EQ(hexEncode(*bip340PublicX(key->pkey()), true),
            "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9");
  EXPECT_EQ(hexEncode(*sig, true),
            "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215"
            "25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0");
  EXPECT_TRUE(bip340Verify(*bip340PublicX(key->pkey()), msg, *sig));
  Bytes other = msg;
  other[0] = 1;
  EXPECT_FALSE(bip340Verify(*bip340PublicX(key->pkey()), other, *sig));
  auto random = bip340Sign(key->pkey(), toBytes("any message"));
  EXPECT_TRUE(bip340Verify(*bip340PublicX(key->pkey()), toBytes("any message"), *random));
}

}  // namespace
}  // namespace p11nethsm::mock
