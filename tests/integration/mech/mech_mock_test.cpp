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
#include "mock_nethsm/mock.hpp"
#include "unit/mech/template_builder.hpp"

namespace p11nethsm::mech::test {
namespace {

constexpr const char* kAdminPass = "adminPassphrase";
constexpr const char* kOperatorPass = "operatorPassphrase";

class Credentials final : public nethsm::CredentialSource {
 public:
  std::optional<transport::BasicAuth> credentialsFor(nethsm::Role role) const override {
    if (role == nethsm::Role::kAdministrator) return transport::BasicAuth{"admin", SecretString(kAdminPass)};
    return transport::BasicAuth{"operator", SecretString(kOperatorPass)};
  }
};

Bytes bn(EVP_PKEY* key, const char* name) {
  BIGNUM* b = nullptr;
  EVP_PKEY_get_bn_param(key, name, &b);
  Bytes out(static_cast<size_t>(BN_num_bytes(b)));
  BN_bn2bin(b, out.data());
  BN_free(b);
  return out;
}

Bytes random(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

class MechAgainstMock : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    mock_ = new mock::MockNetHsm(mock::MockOptions{});
    ASSERT_TRUE(mock_->start());
    mock_->provision(kAdminPass, "unlockPassphrase");
    mock_->addUser("operator", "Operator", kOperatorPass);
    config::SlotConfig slot;
    slot.label = "mock";
    config::InstanceConfig instance;
    instance.url = mock_->baseUrl();
    instance.dangerInsecureCert = true;
    slot.instances.push_back(instance);
    cluster_ = new transport::Cluster(slot, transport::ClusterOptions{});
    credentials_ = new Credentials();
    client_ = new nethsm::Client(*cluster_, *credentials_);
  }
  static void TearDownTestSuite() {
    delete client_;
    delete credentials_;
    delete cluster_;
    mock_->stop();
    delete mock_;
  }

  // Imports `tpl` as key `id` and returns the KeyView core would build.
  static KeyView importKey(const std::string& id, const Template& tpl) {
    auto req = keyImportRequest(tpl.attrs(), {4, 0});
    EXPECT_TRUE(req) << req.error().message;
    req->id = id;
    auto imported = client_->importKey(*req);
    EXPECT_TRUE(imported) << imported.error().message;
    return view(id);
  }

  static KeyView view(const std::string& id) {
    KeyView v;
    auto info = client_->getKey(id);
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

  static Result<Bytes> run(OperationKind kind, const CK_MECHANISM& m, const KeyView& key, const Bytes& in,
                           size_t chunk = 0) {
    auto op = createOperation(kind, m, key, *client_, {4, 0});
    if (!op) return op.error();
    if (chunk == 0) return (*op)->single(in);
    Bytes out;
    for (size_t off = 0; off < in.size(); off += chunk) {
      auto part = (*op)->update(std::span<const uint8_t>(in.data() + off, std::min(chunk, in.size() - off)));
      if (!part) return part.error();
      out.insert(out.end(), part->begin(), part->end());
    }
    auto last = (*op)->finish();
    if (!last) return last.error();
    out.insert(out.end(), last->begin(), last->end());
    return out;
  }

  static Status verify(const CK_MECHANISM& m, const KeyView& key, const Bytes& data, const Bytes& sig) {
    auto op = createOperation(OperationKind::kVerify, m, key, *client_, {4, 0});
    if (!op) return op.error();
    return (*op)->verify(data, sig);
  }

  static mock::MockNetHsm* mock_;
  static transport::Cluster* cluster_;
  static Credentials* credentials_;
  static nethsm::Client* client_;
};

mock::MockNetHsm* MechAgainstMock::mock_ = nullptr;
transport::Cluster* MechAgainstMock::cluster_ = nullptr;
Credentials* MechAgainstMock::credentials_ = nullptr;
nethsm::Client* MechAgainstMock::client_ = nullptr;

TEST_F(MechAgainstMock, RsaSignaturesVerifyWithOpenSsl) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  Template t;
  t.ulong(CKA_CLASS, CKO_PRIVATE_KEY).ulong(CKA_KEY_TYPE, CKK_RSA);
  t.raw(CKA_PUBLIC_EXPONENT, bn(key.get(), OSSL_PKEY_PARAM_RSA_E));
  t.raw(CKA_PRIME_1, bn(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1));
  t.raw(CKA_PRIME_2, bn(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2));
  KeyView v = importKey("rsaSig", t);
  ASSERT_EQ(v.publicKeyDer, *publicKeyToDer(key.get()));
  Bytes data = random(1000);
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM mechs[] = {{CKM_SHA256_RSA_PKCS, nullptr, 0}, {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss}};
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
  t.raw(CKA_PUBLIC_EXPONENT, bn(key.get(), OSSL_PKEY_PARAM_RSA_E));
  t.raw(CKA_MODULUS, bn(key.get(), OSSL_PKEY_PARAM_RSA_N));
  t.raw(CKA_PRIVATE_EXPONENT, bn(key.get(), OSSL_PKEY_PARAM_RSA_D));  // primes recovered
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
  struct { nethsm::KeyType type; CK_MECHANISM_TYPE mech; } cases[] = {
      {nethsm::KeyType::kEcP256, CKM_ECDSA_SHA256}, {nethsm::KeyType::kEcP384, CKM_ECDSA_SHA384},
      {nethsm::KeyType::kEcP521, CKM_ECDSA_SHA512}, {nethsm::KeyType::kEcP256K1, CKM_ECDSA_SHA256},
      {nethsm::KeyType::kBrainpoolP256, CKM_ECDSA_SHA256},
      {nethsm::KeyType::kBrainpoolP512, CKM_ECDSA_SHA512}, {nethsm::KeyType::kCurve25519, CKM_EDDSA}};
  for (const auto& c : cases) {
    nethsm::GenerateKeyRequest req;
    req.type = c.type;
    req.mechanisms = {c.type == nethsm::KeyType::kCurve25519 ? nethsm::KeyMechanism::kEdDsaSignature
                                                             : nethsm::KeyMechanism::kEcdsaSignature};
    auto id = client_->generateKey(req);
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
