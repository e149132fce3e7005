// Encryption and decryption against OpenSSL (issue 6 acceptance): RSA X.509/PKCS#1/OAEP
// module encrypt → OpenSSL decrypt and OpenSSL encrypt → module decrypt; AES-CBC and
// AES-CBC-PAD both ways, single- and multi-part (CBC chain across updates).
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "mech/hash.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

struct RsaCase {
  std::string key;
  CK_MECHANISM_TYPE mechanism;
  std::optional<HashAlg> oaepHash;
};

std::vector<RsaCase> rsaCases() {
  std::vector<RsaCase> out;
  for (const char* k : {"rsa1024", "rsa2048", "rsa4096"}) {
    out.push_back({k, CKM_RSA_X_509, std::nullopt});
    out.push_back({k, CKM_RSA_PKCS, std::nullopt});
    for (HashAlg h :
         {HashAlg::kSha1, HashAlg::kSha224, HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
      if (std::string(k) == "rsa1024" && h == HashAlg::kSha512) continue;  // see KeySizeRange test
      out.push_back({k, CKM_RSA_PKCS_OAEP, h});
    }
  }
  return out;
}

std::string rsaName(const testing::TestParamInfo<RsaCase>& info) {
  return info.param.key + "_" + std::to_string(info.param.mechanism) + "_" +
         (info.param.oaepHash ? hashInfo(*info.param.oaepHash).opensslName : "none");
}

struct RsaMech {
  CK_RSA_PKCS_OAEP_PARAMS oaep{};
  CK_MECHANISM m{};
  explicit RsaMech(const RsaCase& c) {
    m.mechanism = c.mechanism;
    if (c.oaepHash) {
      const HashInfo& h = hashInfo(*c.oaepHash);
      oaep = {h.digestMechanism, h.mgf, CKZ_DATA_SPECIFIED, nullptr, 0};
      m.pParameter = &oaep;
      m.ulParameterLen = sizeof oaep;
    }
  }
};

PkeyCtxPtr rsaCtx(const RsaCase& c, EVP_PKEY* key, bool encrypt) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (encrypt)
    EVP_PKEY_encrypt_init(ctx.get());
  else
    EVP_PKEY_decrypt_init(ctx.get());
  int padding = c.mechanism == CKM_RSA_X_509  ? RSA_NO_PADDING
                : c.mechanism == CKM_RSA_PKCS ? RSA_PKCS1_PADDING
                                              : RSA_PKCS1_OAEP_PADDING;
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding);
  if (c.oaepHash) {
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), evpMd(*c.oaepHash));
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), evpMd(*c.oaepHash));
  }
  return ctx;
}

Bytes plaintextFor(const RsaCase& c, size_t k) {
  if (c.mechanism == CKM_RSA_X_509) {
    Bytes p = randomBytes(k);
    p[0] = 0;  // below the modulus
    return p;
  }
  return randomBytes(c.mechanism == CKM_RSA_PKCS ? 40 : 20);
}

class RsaCrypt : public testing::TestWithParam<RsaCase> {};

TEST_P(RsaCrypt, ModuleEncryptOpenSslDecrypt) {
  const RsaCase& c = GetParam();
  const TestKey& k = testKey(c.key);
  RsaMech m(c);
  size_t modBytes = static_cast<size_t>(EVP_PKEY_get_size(k.key.get()));
  Bytes plain = plaintextFor(c, modBytes);
  auto cipher = runOperation(OperationKind::kEncrypt, m.m, k.view, plain);
  ASSERT_TRUE(cipher) << cipher.error().message;
  ASSERT_EQ(cipher->size(), modBytes);
  auto ctx = rsaCtx(c, k.key.get(), false);
  Bytes out(modBytes);
  size_t len = out.size();
  ASSERT_EQ(EVP_PKEY_decrypt(ctx.get(), out.data(), &len, cipher->data(), cipher->size()), 1);
  out.resize(len);
  EXPECT_EQ(out, plain);
}

TEST_P(RsaCrypt, OpenSslEncryptModuleDecrypt) {
  const RsaCase& c = GetParam();
  const TestKey& k = testKey(c.key);
  RsaMech m(c);
  size_t modBytes = static_cast<size_t>(EVP_PKEY_get_size(k.key.get()));
  Bytes plain = plaintextFor(c, modBytes);
  auto ctx = rsaCtx(c, k.key.get(), true);
  Bytes cipher(modBytes);
  size_t len = cipher.size();
  ASSERT_EQ(EVP_PKEY_encrypt(ctx.get(), cipher.data(), &len, plain.data(), plain.size()), 1);
  auto out = runOperation(OperationKind::kDecrypt, m.m, k.view, cipher);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, plain);
  auto multi = runOperation(OperationKind::kDecrypt, m.m, k.view, cipher, 33);
  ASSERT_TRUE(multi) << multi.error().message;
  EXPECT_EQ(*multi, plain);
  // A ciphertext of the wrong length never reaches the appliance.
  Bytes shorter(cipher.begin(), cipher.end() - 1);
  auto bad = runOperation(OperationKind::kDecrypt, m.m, k.view, shorter);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().pkcs11Rv, CKR_ENCRYPTED_DATA_LEN_RANGE);
}

TEST_P(RsaCrypt, TooLongPlaintextIsDataLenRange) {
  const RsaCase& c = GetParam();
  const TestKey& k = testKey(c.key);
  RsaMech m(c);
  size_t modBytes = static_cast<size_t>(EVP_PKEY_get_size(k.key.get()));
  auto r = runOperation(OperationKind::kEncrypt, m.m, k.view, randomBytes(modBytes + 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
}

INSTANTIATE_TEST_SUITE_P(AllRsa, RsaCrypt, testing::ValuesIn(rsaCases()), rsaName);

TEST(RsaCryptErrors, OaepHashTooLargeForKeyIsKeySizeRange) {
  RsaMech m({"rsa1024", CKM_RSA_PKCS_OAEP, HashAlg::kSha512});
  for (auto kind : {OperationKind::kEncrypt, OperationKind::kDecrypt}) {
    auto op = createOperationWith(kind, m.m, testKey("rsa1024").view, nullptr,
                                  nethsm::capabilitiesOf({4, 0}));
    ASSERT_FALSE(op);
    EXPECT_EQ(op.error().pkcs11Rv, CKR_KEY_SIZE_RANGE);
  }
}

TEST(RsaCryptErrors, CorruptedPkcs1CiphertextIsEncryptedDataInvalid) {
  const TestKey& k = testKey("rsa2048");
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  Bytes cipher = randomBytes(256);
  cipher[0] = 0;
  auto r = runOperation(OperationKind::kDecrypt, m, k.view, cipher);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_ENCRYPTED_DATA_INVALID);
}

TEST(RsaCryptErrors, X509ValueAboveModulusIsDataInvalid) {
  const TestKey& k = testKey("rsa2048");
  CK_MECHANISM m{CKM_RSA_X_509, nullptr, 0};
  auto r = runOperation(OperationKind::kEncrypt, m, k.view, Bytes(256, 0xff));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_DATA_INVALID);
}

TEST(RsaCryptErrors, X509ShortPlaintextIsLeftPadded) {
  const TestKey& k = testKey("rsa2048");
  CK_MECHANISM m{CKM_RSA_X_509, nullptr, 0};
  Bytes plain = randomBytes(10);
  auto cipher = runOperation(OperationKind::kEncrypt, m, k.view, plain);
  ASSERT_TRUE(cipher);
  auto back = runOperation(OperationKind::kDecrypt, m, k.view, *cipher);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 256U);  // RAW decrypt returns modulus-length output
  EXPECT_EQ(Bytes(back->end() - 10, back->end()), plain);
  EXPECT_EQ(Bytes(back->begin(), back->end() - 10), Bytes(246, 0));
}

// --- AES -----------------------------------------------------------------------

struct AesCase {
  std::string key;
  bool pad;
  size_t length;
  size_t chunk;  // 0: single-part
};

std::vector<AesCase> aesCases() {
  std::vector<AesCase> out;
  for (const char* k : {"aes128", "aes192", "aes256"}) {
    for (bool pad : {false, true}) {
      for (size_t len : {0U, 1U, 15U, 16U, 17U, 31U, 32U, 100U, 1024U}) {
        if (!pad && len % 16 != 0) continue;
        for (size_t chunk : {0U, 1U, 5U, 16U, 33U}) out.push_back({k, pad, len, chunk});
      }
    }
  }
  return out;
}

std::string aesName(const testing::TestParamInfo<AesCase>& info) {
  const AesCase& c = info.param;
  return c.key + (c.pad ? "_pad_" : "_cbc_") + std::to_string(c.length) + "_chunk" +
         std::to_string(c.chunk);
}

const EVP_CIPHER* aesCipher(const std::string& key) {
  if (key == "aes128") return EVP_aes_128_cbc();
  if (key == "aes192") return EVP_aes_192_cbc();
  return EVP_aes_256_cbc();
}

// OpenSSL's own AES-CBC (with its PKCS#7 padding for CBC_PAD) as the reference.
class AesCrypt : public testing::TestWithParam<AesCase> {
 protected:
  static Bytes reference(const AesCase& c, const Bytes& key, const Bytes& iv, const Bytes& in,
                         bool encrypt) {
    std::unique_ptr<EVP_CIPHER_CTX, OsslFree<EVP_CIPHER_CTX_free>> ctx(EVP_CIPHER_CTX_new());
    EVP_CipherInit_ex(ctx.get(), aesCipher(c.key), nullptr, key.data(), iv.data(), encrypt ? 1 : 0);
    EVP_CIPHER_CTX_set_padding(ctx.get(), c.pad ? 1 : 0);
    Bytes out(in.size() + 32);
    int n1 = 0, n2 = 0;
    EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size()));
    EXPECT_EQ(EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2), 1);
    out.resize(static_cast<size_t>(n1 + n2));
    return out;
  }
};

TEST_P(AesCrypt, RoundTripsWithOpenSsl) {
  const AesCase& c = GetParam();
  const TestKey& base = testKey(c.key);
  // A private appliance with known key bytes so that OpenSSL can use the same key.
  auto appliance = std::make_shared<LocalAppliance>();
  Bytes keyBytes = randomBytes(base.view.bits / 8);
  appliance->addSecret(base.name, keyBytes);
  Bytes iv = randomBytes(16);
  CK_MECHANISM m{c.pad ? CKM_AES_CBC_PAD : CKM_AES_CBC, iv.data(), 16};
  Bytes plain = randomBytes(c.length);

  auto cipher =
      runOperation(OperationKind::kEncrypt, m, base.view, plain, c.chunk, {4, 0}, appliance);
  ASSERT_TRUE(cipher) << cipher.error().message;
  EXPECT_EQ(*cipher, reference(c, keyBytes, iv, plain, true));  // module encrypt → OpenSSL

  Bytes refCipher = reference(c, keyBytes, iv, plain, true);
  auto back =
      runOperation(OperationKind::kDecrypt, m, base.view, refCipher, c.chunk, {4, 0}, appliance);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, plain);  // OpenSSL encrypt → module decrypt
}

INSTANTIATE_TEST_SUITE_P(AllAes, AesCrypt, testing::ValuesIn(aesCases()), aesName);

TEST(AesCryptErrors, LengthsAndPaddingGiveExactReturnValues) {
  const TestKey& k = testKey("aes256");
  Bytes iv = randomBytes(16);
  CK_MECHANISM cbc{CKM_AES_CBC, iv.data(), 16};
  CK_MECHANISM pad{CKM_AES_CBC_PAD, iv.data(), 16};
  auto enc = runOperation(OperationKind::kEncrypt, cbc, k.view, randomBytes(17));
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
  auto dec = runOperation(OperationKind::kDecrypt, cbc, k.view, randomBytes(17));
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().pkcs11Rv, CKR_ENCRYPTED_DATA_LEN_RANGE);
  auto empty = runOperation(OperationKind::kDecrypt, pad, k.view, Bytes{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().pkcs11Rv, CKR_ENCRYPTED_DATA_LEN_RANGE);
  // Raw CBC of a block whose plaintext does not end in valid padding.
  Bytes block(16, 0);
  auto raw = runOperation(OperationKind::kEncrypt, cbc, k.view, block);
  ASSERT_TRUE(raw);
  auto unpadded = runOperation(OperationKind::kDecrypt, pad, k.view, *raw);
  ASSERT_FALSE(unpadded);
  EXPECT_EQ(unpadded.error().pkcs11Rv, CKR_ENCRYPTED_DATA_INVALID);
}

TEST(AesCryptErrors, IvParameterIsCheckedAtInit) {
  const TestKey& k = testKey("aes128");
  uint8_t iv[8] = {};
  CK_MECHANISM shortIv{CKM_AES_CBC, iv, sizeof iv};
  auto op = createOperationWith(OperationKind::kEncrypt, shortIv, k.view, nullptr,
                                nethsm::capabilitiesOf({4, 0}));
  ASSERT_FALSE(op);
  EXPECT_EQ(op.error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM noIv{CKM_AES_CBC_PAD, nullptr, 0};
  auto op2 = createOperationWith(OperationKind::kDecrypt, noIv, k.view, nullptr,
                                 nethsm::capabilitiesOf({4, 0}));
  ASSERT_FALSE(op2);
  EXPECT_EQ(op2.error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID);
}

TEST(AesCryptErrors, SizeBoundsCoverOutput) {
  const TestKey& k = testKey("aes128");
  Bytes iv = randomBytes(16);
  CK_MECHANISM pad{CKM_AES_CBC_PAD, iv.data(), 16};
  auto op = createOperationWith(OperationKind::kEncrypt, pad, k.view, nullptr,
                                nethsm::capabilitiesOf({4, 0}));
  ASSERT_TRUE(op);
  EXPECT_EQ((*op)->outputSizeBound(0), 16U);
  EXPECT_EQ((*op)->outputSizeBound(16), 32U);
  EXPECT_EQ((*op)->outputSizeBound(17), 32U);
  EXPECT_EQ((*op)->updateOutputBound(15), 0U);
  auto dec = createOperationWith(OperationKind::kDecrypt, pad, k.view, nullptr,
                                 nethsm::capabilitiesOf({4, 0}));
  ASSERT_TRUE(dec);
  EXPECT_EQ((*dec)->updateOutputBound(16), 0U);  // last block held back until Final
  EXPECT_EQ((*dec)->updateOutputBound(32), 16U);
}

}  // namespace
}  // namespace p11nethsm::mech::test
