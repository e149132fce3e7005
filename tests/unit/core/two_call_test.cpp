// The two-call output rule (PKCS#11 v2.40 §5.2): a NULL buffer asks for the length
// (CKR_OK, the operation stays active), a buffer too small is CKR_BUFFER_TOO_SMALL
// with the length needed (still active), a big enough one ends the operation. A
// length query answered from the key must not make the appliance sign.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fake_module.hpp"

namespace p11nethsm::testing {
namespace {

class TwoCall : public FakeModule {
 protected:
  void SetUp() override {
    FakeModule::SetUp();
    importRsa("r1");
    rsa_ = findKey(CKO_PRIVATE_KEY, {'r', '1'});
    rsaPub_ = findKey(CKO_PUBLIC_KEY, {'r', '1'});
    ASSERT_NE(rsa_, CK_INVALID_HANDLE);
    ASSERT_NE(rsaPub_, CK_INVALID_HANDLE);
    fake().clearJournal();
  }
  size_t signs() const { return requests("POST", "/keys/r1/sign"); }
  size_t decrypts() const { return requests("POST", "/keys/r1/decrypt"); }

  // RSA PKCS#1 v1.5 encryption with the appliance's public key, by OpenSSL.
  Bytes encryptForR1(const Bytes& plain) {
    const std::string pem = fake().publicKeyPem("r1");
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    Bytes out(512);
    size_t len = out.size();
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    const bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx) == 1 &&
                    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                    EVP_PKEY_encrypt(ctx, out.data(), &len, plain.data(), plain.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    out.resize(ok ? len : 0);
    return out;
  }

  CK_OBJECT_HANDLE rsa_ = CK_INVALID_HANDLE, rsaPub_ = CK_INVALID_HANDLE;
};

TEST_F(TwoCall, SignLengthQueryTooSmallThenSignature) {
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes data{'t', 'w', 'o'};
  ASSERT_EQ(p_->C_SignInit(s_, &m, rsa_), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_Sign(s_, data.data(), data.size(), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(signs(), 0u) << "the length of an RSA-2048 signature is known without signing";
  Bytes small(10);
  len = small.size();
  ASSERT_EQ(p_->C_Sign(s_, data.data(), data.size(), small.data(), &len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 256u);
  Bytes sig(len);
  ASSERT_EQ(p_->C_Sign(s_, data.data(), data.size(), sig.data(), &len), CKR_OK);
  EXPECT_EQ(len, 256u);
  EXPECT_TRUE(verify("r1", CKM_SHA256_RSA_PKCS, data, sig));
  EXPECT_EQ(p_->C_Sign(s_, data.data(), data.size(), sig.data(), &len),
            CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(signs(), 1u);
}

TEST_F(TwoCall, EcdsaSignLengthQueryDoesNotSign) {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256({'e', '1'}, "", pub, priv), CKR_OK);
  CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
  Bytes data{'e', 'c'};
  ASSERT_EQ(p_->C_SignInit(s_, &m, priv), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_Sign(s_, data.data(), data.size(), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 64u);
  EXPECT_EQ(requests("POST", "/keys/e1/sign"), 0u);
  Bytes sig(len);
  ASSERT_EQ(p_->C_Sign(s_, data.data(), data.size(), sig.data(), &len), CKR_OK);
  EXPECT_TRUE(verify("e1", CKM_ECDSA_SHA256, data, sig));
  EXPECT_EQ(requests("POST", "/keys/e1/sign"), 1u);
}

TEST_F(TwoCall, DecryptLengthQueryTooSmallThenPlaintext) {
  const Bytes plain{'s', 'e', 'c', 'r', 'e', 't'};
  Bytes cipher = encryptForR1(plain);
  ASSERT_EQ(cipher.size(), 256u);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(p_->C_DecryptInit(s_, &m, rsa_), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_Decrypt(s_, cipher.data(), cipher.size(), nullptr, &len), CKR_OK);
  EXPECT_GE(len, plain.size());
  Bytes small(1);
  CK_ULONG smallLen = small.size();
  ASSERT_EQ(p_->C_Decrypt(s_, cipher.data(), cipher.size(), small.data(), &smallLen),
            CKR_BUFFER_TOO_SMALL);
  EXPECT_GE(smallLen, plain.size());
  Bytes out(smallLen);
  CK_ULONG outLen = out.size();
  ASSERT_EQ(p_->C_Decrypt(s_, cipher.data(), cipher.size(), out.data(), &outLen), CKR_OK);
  out.resize(outLen);
  EXPECT_EQ(out, plain);
  EXPECT_EQ(p_->C_Decrypt(s_, cipher.data(), cipher.size(), out.data(), &outLen),
            CKR_OPERATION_NOT_INITIALIZED);
  // The plaintext's length is known only once decrypted: at most one decryption each
  // for the query and the call that takes the result, never one per call.
  EXPECT_GE(decrypts(), 1u);
  EXPECT_LE(decrypts(), 2u);
}

TEST_F(TwoCall, AesCbcEncryptThenDecryptWithLengthQueries) {
  CK_ULONG bytes = 32;
  CK_BBOOL yes = CK_TRUE;
  Bytes id{'a', '1'};
  CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &bytes, sizeof bytes},
                      {CKA_ENCRYPT, &yes, 1},
                      {CKA_DECRYPT, &yes, 1},
                      {CKA_ID, id.data(), id.size()}};
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_GenerateKey(s_, &gen, t, 4, &aes), CKR_OK);
  Bytes iv(16, 0x42), plain(32, 0x17);
  CK_MECHANISM m{CKM_AES_CBC, iv.data(), iv.size()};
  ASSERT_EQ(p_->C_EncryptInit(s_, &m, aes), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_Encrypt(s_, plain.data(), plain.size(), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 32u);
  EXPECT_EQ(requests("POST", "/keys/a1/encrypt"), 0u) << "CBC's length is the input's";
  Bytes small(16);
  CK_ULONG smallLen = small.size();
  ASSERT_EQ(p_->C_Encrypt(s_, plain.data(), plain.size(), small.data(), &smallLen),
            CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(smallLen, 32u);
  Bytes cipher(len);
  ASSERT_EQ(p_->C_Encrypt(s_, plain.data(), plain.size(), cipher.data(), &len), CKR_OK);
  EXPECT_EQ(p_->C_Encrypt(s_, plain.data(), plain.size(), cipher.data(), &len),
            CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(requests("POST", "/keys/a1/encrypt"), 1u);
  EXPECT_NE(cipher, plain);
  ASSERT_EQ(p_->C_DecryptInit(s_, &m, aes), CKR_OK);
  Bytes back(32);
  CK_ULONG backLen = back.size();
  ASSERT_EQ(p_->C_Decrypt(s_, cipher.data(), cipher.size(), back.data(), &backLen), CKR_OK);
  back.resize(backLen);
  EXPECT_EQ(back, plain);
}

// §5.7: the length query and too small a buffer (ulValueLen = CK_UNAVAILABLE_INFORMATION).
TEST_F(TwoCall, GetAttributeValueLengthQueryTooSmallThenValue) {
  CK_ATTRIBUTE a{CKA_MODULUS, nullptr, 0};
  ASSERT_EQ(p_->C_GetAttributeValue(s_, rsaPub_, &a, 1), CKR_OK);
  EXPECT_EQ(a.ulValueLen, 256u);
  Bytes small(8);
  a = {CKA_MODULUS, small.data(), small.size()};
  EXPECT_EQ(p_->C_GetAttributeValue(s_, rsaPub_, &a, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  Bytes modulus(256);
  a = {CKA_MODULUS, modulus.data(), modulus.size()};
  ASSERT_EQ(p_->C_GetAttributeValue(s_, rsaPub_, &a, 1), CKR_OK);
  EXPECT_EQ(a.ulValueLen, 256u);
  EXPECT_TRUE(modulus[0] & 0x80) << "a 2048-bit modulus has its top bit set";
}

}  // namespace
}  // namespace p11nethsm::testing
