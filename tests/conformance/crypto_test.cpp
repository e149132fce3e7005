// Driving operations through the core: the two-call rule, operation states, and
// signatures the walking skeleton needs, verified with OpenSSL.
#include <openssl/evp.h>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

Bytes sha256(const Bytes& data) {
  Bytes out(32);
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

TEST_F(Battery, SignaturesVerifyWithOpenSsl) {
  CK_SESSION_HANDLE s = open();
  Bytes data = toBytes("walking skeleton");
  CK_OBJECT_HANDLE rsa = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  CK_OBJECT_HANDLE ec = findKey(s, CKO_PRIVATE_KEY, kP256Id);
  CK_OBJECT_HANDLE ed = findKey(s, CKO_PRIVATE_KEY, kEdId);
  Bytes rsaSpki = attribute(s, rsa, CKA_PUBLIC_KEY_INFO);
  Bytes sig = sign(s, rsa, CKM_SHA256_RSA_PKCS, data);
  ASSERT_EQ(lastRv_, CKR_OK);
  EXPECT_TRUE(opensslVerify(rsaSpki, data, sig, true, false));
  // CKM_RSA_PKCS: the caller gives the DigestInfo.
  Bytes digestInfo{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                   0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  Bytes hash = sha256(data);
  digestInfo.insert(digestInfo.end(), hash.begin(), hash.end());
  Bytes sig2 = sign(s, rsa, CKM_RSA_PKCS, digestInfo);
  ASSERT_EQ(lastRv_, CKR_OK);
  EXPECT_TRUE(opensslVerify(rsaSpki, data, sig2, true, false));
  Bytes ecSig = sign(s, ec, CKM_ECDSA_SHA256, data);
  ASSERT_EQ(ecSig.size(), 64u);  // raw r||s
  EXPECT_TRUE(opensslVerify(attribute(s, ec, CKA_PUBLIC_KEY_INFO), data, ecSig, true, true));
  Bytes edSig = sign(s, ed, CKM_EDDSA, data);
  ASSERT_EQ(edSig.size(), 64u);
  EXPECT_TRUE(opensslVerify(attribute(s, ed, CKA_PUBLIC_KEY_INFO), data, edSig, false, false));
  // CKM_ECDSA on a pre-hashed input, verified by the module itself.
  Bytes raw = sign(s, ec, CKM_ECDSA, hash);
  ASSERT_EQ(raw.size(), 64u);
  CK_OBJECT_HANDLE ecPub = findKey(s, CKO_PUBLIC_KEY, kP256Id);
  CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
  ASSERT_EQ(p_->C_VerifyInit(s, &m, ecPub), CKR_OK);
  EXPECT_EQ(p_->C_Verify(s, hash.data(), hash.size(), raw.data(), raw.size()), CKR_OK);
  raw[5] ^= 1;
  ASSERT_EQ(p_->C_VerifyInit(s, &m, ecPub), CKR_OK);
  EXPECT_EQ(p_->C_Verify(s, hash.data(), hash.size(), raw.data(), raw.size()),
            CKR_SIGNATURE_INVALID);
}

TEST_F(Battery, TwoCallRuleKeepsTheOperation) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE rsa = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes data = toBytes("two calls");
  CK_ULONG len = 0;
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), nullptr, &len), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(p_->C_SignInit(s, &m, rsa), CKR_OK);
  EXPECT_EQ(p_->C_SignInit(s, &m, rsa), CKR_OPERATION_ACTIVE);
  env_->mock().resetCounters();
  ASSERT_EQ(p_->C_Sign(s, data.data(), data.size(), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 256u);
  Bytes out(len);
  CK_ULONG small = 10;
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), out.data(), &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, 256u);
  EXPECT_EQ(env_->mock().counters(0).requests, 0u);  // size queries need no network
  ASSERT_EQ(p_->C_Sign(s, data.data(), data.size(), out.data(), &len), CKR_OK);
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), out.data(), &len),
            CKR_OPERATION_NOT_INITIALIZED);  // finished
}

TEST_F(Battery, MultiPartSignAndErrorsEndTheOperation) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE rsa = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes a = toBytes("multi "), b = toBytes("part");
  ASSERT_EQ(p_->C_SignInit(s, &m, rsa), CKR_OK);
  ASSERT_EQ(p_->C_SignUpdate(s, a.data(), a.size()), CKR_OK);
  ASSERT_EQ(p_->C_SignUpdate(s, b.data(), b.size()), CKR_OK);
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_SignFinal(s, nullptr, &len), CKR_OK);
  Bytes sig(len);
  ASSERT_EQ(p_->C_SignFinal(s, sig.data(), &len), CKR_OK);
  EXPECT_TRUE(opensslVerify(attribute(s, rsa, CKA_PUBLIC_KEY_INFO), toBytes("multi part"), sig,
                            true, false));
  // CKM_RSA_PKCS with more than k-11 bytes: an error that ends the operation.
  CK_MECHANISM raw{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(p_->C_SignInit(s, &raw, rsa), CKR_OK);
  Bytes tooLong(300, 0x11);
  Bytes out(256);
  CK_ULONG outLen = out.size();
  EXPECT_NE(p_->C_Sign(s, tooLong.data(), tooLong.size(), out.data(), &outLen), CKR_OK);
  EXPECT_EQ(p_->C_Sign(s, tooLong.data(), tooLong.size(), out.data(), &outLen),
            CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(Battery, KeyUsageAndHandlesAreChecked) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE pub = findKey(s, CKO_PUBLIC_KEY, kRsaId);
  CK_OBJECT_HANDLE cert = findKey(s, CKO_CERTIFICATE, kRsaId);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(p_->C_SignInit(s, &m, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(p_->C_SignInit(s, &m, cert), CKR_KEY_HANDLE_INVALID);
  EXPECT_EQ(p_->C_SignInit(s, &m, 0xFFFFFF), CKR_KEY_HANDLE_INVALID);
  EXPECT_EQ(p_->C_SignInit(s, nullptr, pub), CKR_ARGUMENTS_BAD);
  CK_MECHANISM bogus{0x7FFFFFF0UL, nullptr, 0};
  CK_OBJECT_HANDLE priv = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  EXPECT_EQ(p_->C_SignInit(s, &bogus, priv), CKR_MECHANISM_INVALID);
}

TEST_F(Battery, SessionCancelEndsOperations) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE ed = findKey(s, CKO_PRIVATE_KEY, kEdId);
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  ASSERT_EQ(p_->C_SignInit(s, &m, ed), CKR_OK);
  auto get = batteryGetInterface();
  CK_INTERFACE_PTR i = nullptr;
  ASSERT_EQ(get(nullptr, nullptr, &i, 0), CKR_OK);
  auto* fl = static_cast<CK_FUNCTION_LIST_3_0*>(i->pFunctionList);
  ASSERT_EQ(fl->C_SessionCancel(s, CKF_SIGN), CKR_OK);
  CK_ULONG len = 0;
  Bytes data = toBytes("x");
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), nullptr, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(p_->C_SignInit(s, &m, ed), CKR_OK);
}

TEST_F(Battery, RandomAndDigest) {
  CK_SESSION_HANDLE s = open();
  Bytes a(2000), b(2000);
  ASSERT_EQ(p_->C_GenerateRandom(s, a.data(), a.size()), CKR_OK);
  ASSERT_EQ(p_->C_GenerateRandom(s, b.data(), b.size()), CKR_OK);
  EXPECT_NE(a, b);
  CK_BYTE seed[4] = {1, 2, 3, 4};
  EXPECT_EQ(p_->C_SeedRandom(s, seed, 4), CKR_RANDOM_SEED_NOT_SUPPORTED);
  CK_MECHANISM m{CKM_SHA256, nullptr, 0};
  ASSERT_EQ(p_->C_DigestInit(s, &m), CKR_OK);
  Bytes data = toBytes("digest me");
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_Digest(s, data.data(), data.size(), nullptr, &len), CKR_OK);
  Bytes out(len);
  ASSERT_EQ(p_->C_Digest(s, data.data(), data.size(), out.data(), &len), CKR_OK);
  EXPECT_EQ(out, sha256(data));
}

}  // namespace
}  // namespace p11nethsm::conformance

namespace p11nethsm::conformance {
namespace {

// The two-call rule when only computing tells the size (PKCS#11 v2.40 §5.2): the
// decrypted text is kept for the next call instead of asking the appliance again.
TEST_F(Battery, DecryptKeepsComputedOutputForTheNextCall) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE pub = findKey(s, CKO_PUBLIC_KEY, kRsaId);
  CK_OBJECT_HANDLE priv = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  Bytes plain = toBytes("secret message");
  ASSERT_EQ(p_->C_EncryptInit(s, &m, pub), CKR_OK);
  Bytes cipher(256);
  CK_ULONG len = cipher.size();
  ASSERT_EQ(p_->C_Encrypt(s, plain.data(), plain.size(), cipher.data(), &len), CKR_OK);
  ASSERT_EQ(len, 256u);
  ASSERT_EQ(p_->C_DecryptInit(s, &m, priv), CKR_OK);
  CK_ULONG bound = 0;
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), len, nullptr, &bound), CKR_OK);
  EXPECT_GE(bound, plain.size());
  env_->mock().resetCounters();
  Bytes out(bound);
  CK_ULONG small = 3;
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), len, out.data(), &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, plain.size());  // the exact size, learnt by decrypting
  CK_ULONG outLen = out.size();
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), len, out.data(), &outLen), CKR_OK);
  out.resize(outLen);
  EXPECT_EQ(out, plain);
  EXPECT_EQ(env_->mock().endpointCount(0, "POST /keys/{id}/decrypt"), 1u);
  EXPECT_EQ(p_->C_Decrypt(s, cipher.data(), len, out.data(), &outLen),
            CKR_OPERATION_NOT_INITIALIZED);
}

}  // namespace
}  // namespace p11nethsm::conformance
