// Sign/decrypt/encrypt with the firmware's input rules, verified with OpenSSL, and
// key import as JSON and multipart PEM (BEHAVIOUR.md §5, §6).
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bip340.hpp"
#include "key_material.hpp"
#include "mock_client.hpp"

namespace p11nethsm::mock::testing {
namespace {

class MockCrypto : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_ = startMock();
    ASSERT_TRUE(mock_);
    client_ = std::make_unique<Client>(*mock_);
  }
  void generate(const std::string& id, const std::string& type, nlohmann::json mechs,
                int length = 0) {
    nlohmann::json body{{"id", id}, {"type", type}, {"mechanisms", mechs}};
    if (length > 0) body["length"] = length;
    ASSERT_EQ(client_->admin().post("/keys/generate", body).status, 201) << type;
  }
  Bytes sign(const std::string& id, const std::string& mode, const Bytes& msg, int expect = 200) {
    Reply r = client_->op().post("/keys/" + id + "/sign",
                                 {{"mode", mode}, {"message", base64Encode(msg)}});
    EXPECT_EQ(r.status, expect) << id << " " << mode << " " << r.body;
    if (r.status != 200) return {};
    return *base64Decode(r.json()["signature"].get<std::string>());
  }
  std::string pem(const std::string& id) {
    return client_->op().get("/keys/" + id + "/public.pem").body;
  }

  std::unique_ptr<MockNetHsm> mock_;
  std::unique_ptr<Client> client_;
};

TEST_F(MockCrypto, EcdsaTakesExactlyTheCurveDigestSizeAndAnswersDer) {
  struct Case {
    const char* type;
    const EVP_MD* md;
  };
  for (Case c :
       {Case{"EC_P256", EVP_sha256()}, Case{"EC_P384", EVP_sha384()}, Case{"EC_P521", EVP_sha512()},
        Case{"EC_P256K1", EVP_sha256()}, Case{"BrainpoolP256", EVP_sha256()},
        Case{"BrainpoolP384", EVP_sha384()}, Case{"BrainpoolP512", EVP_sha512()}}) {
    generate(c.type, c.type, {"ECDSA_Signature"});
    Bytes d = digest(c.md, "message");
    Bytes sig = sign(c.type, "ECDSA", d);
    EXPECT_EQ(sig[0], 0x30) << c.type;  // DER SEQUENCE
    EXPECT_TRUE(verifySignature(pem(c.type), d, sig)) << c.type;
    Bytes longer = d;
    longer.push_back(0);
    sign(c.type, "ECDSA", longer, 400);
  }
  sign("EC_P521", "ECDSA", Bytes(66, 1), 400);  // P-521 takes 64 bytes, not 66
}

TEST_F(MockCrypto, Bip340OnP256K1SignsTheMessage) {
  generate("k1", "EC_P256K1", {"ECDSA_Signature", "BIP340_Signature"});
  Bytes point =
      *base64Decode(client_->op().get("/keys/k1").json()["public"]["data"].get<std::string>());
  ASSERT_EQ(point.size(), 65u);
  Bytes x(point.begin() + 1, point.begin() + 33);
  Bytes msg = toBytes("a message of any length");
  Bytes sig = sign("k1", "BIP340", msg);
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(bip340Verify(x, msg, sig));
}

TEST_F(MockCrypto, EdDsaSignsTheRawMessage) {
  generate("ed", "Curve25519", {"EdDSA_Signature"});
  Bytes msg = toBytes("any length message, not a digest");
  Bytes sig = sign("ed", "EdDSA", msg);
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verifySignature(pem("ed"), msg, sig));
  sign("ed", "ECDSA", msg, 400);
}

TEST_F(MockCrypto, RsaPkcs1PadsTheGivenBytesAndPssUsesHashLengthSalt) {
  generate("rsa", "RSA",
           {"RSA_Signature_PKCS1", "RSA_Signature_PSS_SHA256", "RSA_Signature_PSS_SHA512"}, 2048);
  Bytes hash = digest(EVP_sha256(), "hello");
  Bytes info = *hexDecode("3031300d060960864801650304020105000420");
  info.insert(info.end(), hash.begin(), hash.end());
  Bytes sig = sign("rsa", "PKCS1", info);
  EXPECT_EQ(sig.size(), 256u);
  EXPECT_TRUE(verifySignature(pem("rsa"), hash, sig, RSA_PKCS1_PADDING, EVP_sha256()));
  sign("rsa", "PKCS1", Bytes(246, 1), 400);  // longer than k - 11
  Bytes pss = sign("rsa", "PSS_SHA256", hash);
  EXPECT_TRUE(verifySignature(pem("rsa"), hash, pss, RSA_PKCS1_PSS_PADDING, EVP_sha256()));
  sign("rsa", "PSS_SHA256", Bytes(31, 1), 400);
  Reply denied = client_->op().post(
      "/keys/rsa/sign", {{"mode", "PSS_SHA1"}, {"message", base64Encode(Bytes(20, 1))}});
  EXPECT_EQ(denied.json()["message"], "Key mechanisms do not allow requested signing.");
  EXPECT_EQ(client_->op().get("/keys/rsa").json()["operations"], 2);
}

TEST_F(MockCrypto, RsaDecryptRawPkcs1AndOaepWithEmptyLabel) {
  generate("dec", "RSA",
           {"RSA_Decryption_RAW", "RSA_Decryption_PKCS1", "RSA_Decryption_OAEP_SHA256"}, 2048);
  std::string p = pem("dec");
  BIO* bio = BIO_new_mem_buf(p.data(), static_cast<int>(p.size()));
  EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  auto encrypt = [&](int padding) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
    EVP_PKEY_encrypt_init(ctx);
    EVP_PKEY_CTX_set_rsa_padding(ctx, padding);
    if (padding == RSA_PKCS1_OAEP_PADDING) {
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256());
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256());
    }
    Bytes in = toBytes("secret"), out(256);
    size_t len = out.size();
    EVP_PKEY_encrypt(ctx, out.data(), &len, in.data(), in.size());
    EVP_PKEY_CTX_free(ctx);
    out.resize(len);
    return out;
  };
  auto decrypt = [&](const std::string& mode, const Bytes& c) {
    Reply r =
        client_->op().post("/keys/dec/decrypt", {{"mode", mode}, {"encrypted", base64Encode(c)}});
    return r.status == 200 ? *base64Decode(r.json()["decrypted"].get<std::string>()) : Bytes{};
  };
  EXPECT_EQ(toString(decrypt("PKCS1", encrypt(RSA_PKCS1_PADDING))), "secret");
  EXPECT_EQ(toString(decrypt("OAEP_SHA256", encrypt(RSA_PKCS1_OAEP_PADDING))), "secret");
  Bytes raw = decrypt("RAW", encrypt(RSA_PKCS1_PADDING));
  ASSERT_EQ(raw.size(), 256u);  // left-padded to the modulus length
  EXPECT_EQ(raw[0], 0);
  EXPECT_EQ(raw[1], 2);  // PKCS#1 type 2 block
  EVP_PKEY_free(pub);
}

TEST_F(MockCrypto, AesCbcWithoutPaddingAndIvRules) {
  generate("aes", "Generic", {"AES_Encryption_CBC", "AES_Decryption_CBC"}, 256);
  EXPECT_EQ(client_->op().get("/keys/aes").json().contains("public"), false);
  EXPECT_EQ(client_->op().get("/keys/aes/public.pem").status, 400);
  Bytes plain(32, 0x41);
  Reply enc = client_->op().post("/keys/aes/encrypt",
                                 {{"mode", "AES_CBC"}, {"message", base64Encode(plain)}});
  ASSERT_EQ(enc.status, 200);
  EXPECT_EQ(base64Decode(enc.json()["encrypted"].get<std::string>())->size(),
            32u);  // no padding block
  Reply dec = client_->op().post(
      "/keys/aes/decrypt",
      {{"mode", "AES_CBC"}, {"encrypted", enc.json()["encrypted"]}, {"iv", enc.json()["iv"]}});
  EXPECT_EQ(*base64Decode(dec.json()["decrypted"].get<std::string>()), plain);
  Reply noIv = client_->op().post("/keys/aes/decrypt",
                                  {{"mode", "AES_CBC"}, {"encrypted", enc.json()["encrypted"]}});
  EXPECT_EQ(noIv.json()["message"], "AES-CBC decrypt requires IV");
  EXPECT_EQ(
      client_->op()
          .post("/keys/aes/encrypt", {{"mode", "AES_CBC"}, {"message", base64Encode(Bytes(15, 1))}})
          .status,
      400);
}

// Issue 14 builds GCM/CTR/ECB on this: the caller's IV is used and echoed, the output
// is exactly OpenSSL's raw AES-CBC of the imported key, in both directions.
TEST_F(MockCrypto, AesCbcUsesTheCallersIvOnAnImportedKey) {
  Bytes key(32);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  nlohmann::json body{{"type", "Generic"},
                      {"mechanisms", {"AES_Encryption_CBC", "AES_Decryption_CBC"}},
                      {"private", {{"data", base64Encode(key)}}}};
  ASSERT_EQ(client_->admin().put("/keys/known", body).status, 204);
  Bytes iv(16, 0x3c), plain(48, 0x5a);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  Bytes ref(64);
  int n = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data());
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  EVP_EncryptUpdate(ctx.get(), ref.data(), &n, plain.data(), static_cast<int>(plain.size()));
  ref.resize(static_cast<size_t>(n));
  Reply enc = client_->op().post(
      "/keys/known/encrypt",
      {{"mode", "AES_CBC"}, {"message", base64Encode(plain)}, {"iv", base64Encode(iv)}});
  ASSERT_EQ(enc.status, 200) << enc.body;
  EXPECT_EQ(*base64Decode(enc.json()["encrypted"].get<std::string>()), ref);
  EXPECT_EQ(*base64Decode(enc.json()["iv"].get<std::string>()), iv);
  Reply dec = client_->op().post(
      "/keys/known/decrypt",
      {{"mode", "AES_CBC"}, {"encrypted", base64Encode(ref)}, {"iv", base64Encode(iv)}});
  ASSERT_EQ(dec.status, 200) << dec.body;
  EXPECT_EQ(*base64Decode(dec.json()["decrypted"].get<std::string>()), plain);
  Reply shortIv = client_->op().post(
      "/keys/known/encrypt",
      {{"mode", "AES_CBC"}, {"message", base64Encode(plain)}, {"iv", base64Encode(Bytes(15, 0))}});
  EXPECT_EQ(shortIv.status, 400);
}

TEST_F(MockCrypto, ImportJsonAndMultipartPem) {
  std::string err;
  auto ec = KeyMaterial::generate(KeyType::kEcP256, 0, err);
  ASSERT_TRUE(ec);
  Bytes scalar(32);
  BIGNUM* priv = nullptr;
  EVP_PKEY_get_bn_param(ec->pkey(), "priv", &priv);
  BN_bn2binpad(priv, scalar.data(), 32);
  BN_free(priv);
  nlohmann::json body{{"type", "EC_P256"},
                      {"mechanisms", {"ECDSA_Signature"}},
                      {"private", {{"data", base64Encode(scalar)}}}};
  ASSERT_EQ(client_->admin().put("/keys/imported", body).status, 204);
  EXPECT_EQ(client_->admin().put("/keys/imported", body).status, 400);  // [code≠spec] not 409
  EXPECT_EQ(client_->admin().get("/keys/imported").json()["public"], ec->publicJson());
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, ec->pkey(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* pemData = nullptr;
  const long pemLen = BIO_get_mem_data(bio, &pemData);
  std::string keyPem(pemData, static_cast<size_t>(pemLen));
  BIO_free(bio);
  std::string boundary = "XyZ";
  std::string multipart =
      "--XyZ\r\nContent-Disposition: form-data; name=\"arguments\"\r\n\r\n"
      R"({"mechanisms":["ECDSA_Signature"]})"
      "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"key_file\"\r\n"
      "Content-Type: application/x-pem-file\r\n\r\n" +
      keyPem + "\r\n--XyZ--\r\n";
  Reply r =
      client_->admin().raw("POST", "/keys", multipart, "multipart/form-data; boundary=" + boundary);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(client_->admin().get("/keys/" + r.json()["id"].get<std::string>()).json()["type"],
            "EC_P256");
}

TEST_F(MockCrypto, CertificateIsOpaqueOctetStreamAndCsrIsPem) {
  generate("c", "EC_P256", {"ECDSA_Signature"});
  Client& c = client_->admin();
  EXPECT_EQ(c.raw("PUT", "/keys/c/cert", "opaque\x01", "application/json").status, 415);
  EXPECT_EQ(c.raw("PUT", "/keys/c/cert", "opaque\x01", "application/octet-stream").status, 201);
  EXPECT_EQ(c.raw("PUT", "/keys/c/cert", "again", "application/octet-stream").status, 409);
  EXPECT_EQ(c.get("/keys/c/cert").body, "opaque\x01");
  EXPECT_EQ(c.get("/keys/c/cert", {{"Accept", "application/json"}}).status, 406);
  EXPECT_EQ(c.del("/keys/c/cert").status, 204);
  EXPECT_EQ(c.del("/keys/c/cert").json()["message"], "There is no certificate for this KeyID.");
  Reply csr = c.post("/keys/c/csr.pem", {{"commonName", "example.org"}});
  EXPECT_EQ(csr.status, 200);
  EXPECT_NE(csr.body.find("BEGIN CERTIFICATE REQUEST"), std::string::npos);
  EXPECT_EQ(c.post("/keys/c/csr.pem", {{"commonName", ""}}).status, 400);
}

}  // namespace
}  // namespace p11nethsm::mock::testing
