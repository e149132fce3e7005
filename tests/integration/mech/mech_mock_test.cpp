// The mechanisms against mock-nethsm over real TLS, through nethsm::Client and
// transport::Cluster (issue 6 acceptance): keys imported from OpenSSL (so both sides
// know them) and generated on the appliance; every result checked with OpenSSL.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <memory>

#include "mech/ec_curve.hpp"
#include "mech/hash.hpp"
#include "mech/keygen.hpp"
#include "mech/public_key.hpp"
#include "mech/registry.hpp"
#include "mock_environment.hpp"
#include "unit/mech/bn_param.hpp"
#include "unit/mech/template_builder.hpp"
#include "unit/mech/test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

Bytes random(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

class MechAgainstMock : public testing::Test {
 protected:
  // Imports `tpl` as key `id` and returns the KeyView core would build.
  static KeyView importKey(const std::string& id, const Template& tpl) {
    importIntoMock(id, tpl);
    return view(id);
  }

  static KeyView view(const std::string& id) {
    KeyView v;
    auto info = mockClient().getKey(id);
    EXPECT_TRUE(info) << info.error().message;
    v.nethsmId = id;
    v.type = info->type;
    v.mechanisms = info->mechanisms;
    if (info->type != nethsm::KeyType::kGeneric) {
      auto attrs = publicKeyAttributes(*info);
      EXPECT_TRUE(attrs) << attrs.error().message;
      v.bits = attrs->bits;
      v.publicKeyDer = attrs->spkiDer;
    }
    return v;
  }

  // Through createOperation, the entry point core uses.
  static Result<Bytes> run(OperationKind kind, const CK_MECHANISM& m, const KeyView& key,
                           const Bytes& in, size_t chunk = 0) {
    auto op = createOperation(kind, m, key, mockClient(), nethsm::capabilitiesOf({4, 0}));
    if (!op) return op.error();
    return driveOperation(**op, in, chunk);
  }

  static Status verify(const CK_MECHANISM& m, const KeyView& key, const Bytes& data,
                       const Bytes& sig) {
    auto op = createOperation(OperationKind::kVerify, m, key, mockClient(),
                              nethsm::capabilitiesOf({4, 0}));
    if (!op) return op.error();
    return (*op)->verify(data, sig);
  }
};

TEST_F(MechAgainstMock, RsaSignaturesVerifyWithOpenSsl) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  KeyView v = importKey("rsaSig", importTemplate(nethsm::KeyType::kRsa, key.get()));
  ASSERT_EQ(v.publicKeyDer, *publicKeyToDer(key.get()));
  Bytes data = random(1000);
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM mechs[] = {{CKM_SHA256_RSA_PKCS, nullptr, 0},
                          {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss}};
  for (const auto& m : mechs) {
    auto sig = run(OperationKind::kSign, m, v, data, 100);
    ASSERT_TRUE(sig) << sig.error().message;
    MdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, key.get());
    if (m.mechanism == CKM_SHA256_RSA_PKCS_PSS) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
    }
    EXPECT_EQ(EVP_DigestVerify(md.get(), sig->data(), sig->size(), data.data(), data.size()), 1);
    EXPECT_TRUE(verify(m, v, data, *sig));
  }
}

TEST_F(MechAgainstMock, RsaDecryptOfOpenSslCiphertexts) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  Template t;
  t.ulong(CKA_CLASS, CKO_PRIVATE_KEY).ulong(CKA_KEY_TYPE, CKK_RSA);
  t.raw(CKA_PUBLIC_EXPONENT, bnParam(key.get(), OSSL_PKEY_PARAM_RSA_E));
  t.raw(CKA_MODULUS, bnParam(key.get(), OSSL_PKEY_PARAM_RSA_N));
  t.raw(CKA_PRIVATE_EXPONENT, bnParam(key.get(), OSSL_PKEY_PARAM_RSA_D));  // primes recovered
  KeyView v = importKey("rsaDec", t);
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM m{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
  Bytes secret = random(32);
  auto cipher = run(OperationKind::kEncrypt, m, v, secret);  // local, public key
  ASSERT_TRUE(cipher) << cipher.error().message;
  auto plain = run(OperationKind::kDecrypt, m, v, *cipher);  // appliance
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(*plain, secret);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  EVP_PKEY_encrypt_init(ctx.get());
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  Bytes c2(256);
  size_t len = c2.size();
  ASSERT_EQ(EVP_PKEY_encrypt(ctx.get(), c2.data(), &len, secret.data(), secret.size()), 1);
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  auto p2 = run(OperationKind::kDecrypt, pkcs, v, c2);
  ASSERT_TRUE(p2) << p2.error().message;
  EXPECT_EQ(*p2, secret);
}

TEST_F(MechAgainstMock, GeneratedEcAndEdKeysSignAndVerify) {
  struct {
    nethsm::KeyType type;
    CK_MECHANISM_TYPE mech;
  } cases[] = {{nethsm::KeyType::kEcP256, CKM_ECDSA_SHA256},
               {nethsm::KeyType::kEcP384, CKM_ECDSA_SHA384},
               {nethsm::KeyType::kEcP521, CKM_ECDSA_SHA512},
               {nethsm::KeyType::kEcP256K1, CKM_ECDSA_SHA256},
               {nethsm::KeyType::kBrainpoolP256, CKM_ECDSA_SHA256},
               {nethsm::KeyType::kBrainpoolP512, CKM_ECDSA_SHA512},
               {nethsm::KeyType::kCurve25519, CKM_EDDSA}};
  for (const auto& c : cases) {
    nethsm::GenerateKeyRequest req;
    req.type = c.type;
    req.mechanisms = {c.type == nethsm::KeyType::kCurve25519
                          ? nethsm::KeyMechanism::kEdDsaSignature
                          : nethsm::KeyMechanism::kEcdsaSignature};
    auto id = mockClient().generateKey(req);
    ASSERT_TRUE(id) << id.error().message;
    KeyView v = view(*id);
    CK_MECHANISM m{c.mech, nullptr, 0};
    Bytes data = random(500);
    auto sig = run(OperationKind::kSign, m, v, data, 64);
    ASSERT_TRUE(sig) << nethsm::toString(c.type) << ": " << sig.error().message;
    EXPECT_TRUE(verify(m, v, data, *sig)) << nethsm::toString(c.type);
    data[0] ^= 1;
    auto bad = verify(m, v, data, *sig);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().pkcs11Rv, CKR_SIGNATURE_INVALID);
  }
}

TEST_F(MechAgainstMock, AesCbcPadChainsAcrossUpdatesLikeOpenSsl) {
  Bytes keyBytes = random(32);
  Template t;
  t.ulong(CKA_CLASS, CKO_SECRET_KEY).ulong(CKA_KEY_TYPE, CKK_AES).raw(CKA_VALUE, keyBytes);
  KeyView v = importKey("aesKey", t);
  v.bits = 256;
  Bytes iv = random(16);
  Bytes plain = random(1000);
  for (CK_MECHANISM_TYPE type : {CKM_AES_CBC_PAD, CKM_AES_CBC}) {
    CK_MECHANISM m{type, iv.data(), 16};
    Bytes in = type == CKM_AES_CBC ? Bytes(plain.begin(), plain.begin() + 992) : plain;
    auto cipher = run(OperationKind::kEncrypt, m, v, in, 100);
    ASSERT_TRUE(cipher) << cipher.error().message;
    std::unique_ptr<EVP_CIPHER_CTX, OsslFree<EVP_CIPHER_CTX_free>> ctx(EVP_CIPHER_CTX_new());
    EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, keyBytes.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(ctx.get(), type == CKM_AES_CBC_PAD ? 1 : 0);
    Bytes ref(cipher->size() + 16);
    int n1 = 0, n2 = 0;
    EVP_DecryptUpdate(ctx.get(), ref.data(), &n1, cipher->data(), static_cast<int>(cipher->size()));
    ASSERT_EQ(EVP_DecryptFinal_ex(ctx.get(), ref.data() + n1, &n2), 1);
    ref.resize(static_cast<size_t>(n1 + n2));
    EXPECT_EQ(ref, in);
    auto back = run(OperationKind::kDecrypt, m, v, *cipher, 37);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, in);
  }
}

}  // namespace
}  // namespace p11nethsm::mech::test

namespace p11nethsm::mech::test {
namespace {

// The shared matrix (signature_test.cpp, crypt_test.cpp) really runs on the mock.
TEST(MatrixOnMock, KeysLiveOnTheMockAndSignThere) {
  const TestKey& k = testKey("rsa2048");
  auto info = mockClient().getKey("rsa2048");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->type, nethsm::KeyType::kRsa);
  uint64_t before = mockServer().endpointCount(0, "POST /keys/{id}/sign");
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  auto sig = runOperation(OperationKind::kSign, m, k.view, Bytes(10, 1));
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(mockServer().endpointCount(0, "POST /keys/{id}/sign"), before + 1);
}

}  // namespace
}  // namespace p11nethsm::mech::test
