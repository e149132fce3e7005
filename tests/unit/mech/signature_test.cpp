// Every signature mechanism × key type × key size class against OpenSSL, both ways:
// module sign → OpenSSL verify, OpenSSL sign → module verify (issue 6 acceptance).
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "mech/hash.hpp"
#include "mech/params.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

struct SigCase {
  std::string key;
  CK_MECHANISM_TYPE mechanism;
  std::optional<HashAlg> hash;  // hash-and-sign hash, or the PSS hash of CKM_RSA_PKCS_PSS
  bool hashAndSign;
  size_t rawInputLength;  // CKM_ECDSA input length; 0 otherwise
};

std::string caseName(const testing::TestParamInfo<SigCase>& info) {
  const SigCase& c = info.param;
  std::string n = c.key + "_" + std::to_string(c.mechanism) + "_" +
                  (c.hash ? hashInfo(*c.hash).opensslName : "raw") + "_" +
                  std::to_string(c.rawInputLength);
  for (auto& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

constexpr HashAlg kShaHashes[] = {HashAlg::kSha1, HashAlg::kSha224, HashAlg::kSha256,
                                  HashAlg::kSha384, HashAlg::kSha512};

CK_MECHANISM_TYPE rsaPkcsFor(HashAlg h) {
  switch (h) {
    case HashAlg::kSha1:
      return CKM_SHA1_RSA_PKCS;
    case HashAlg::kSha224:
      return CKM_SHA224_RSA_PKCS;
    case HashAlg::kSha256:
      return CKM_SHA256_RSA_PKCS;
    case HashAlg::kSha384:
      return CKM_SHA384_RSA_PKCS;
    default:
      return CKM_SHA512_RSA_PKCS;
  }
}
CK_MECHANISM_TYPE rsaPssFor(HashAlg h) {
  switch (h) {
    case HashAlg::kSha1:
      return CKM_SHA1_RSA_PKCS_PSS;
    case HashAlg::kSha224:
      return CKM_SHA224_RSA_PKCS_PSS;
    case HashAlg::kSha256:
      return CKM_SHA256_RSA_PKCS_PSS;
    case HashAlg::kSha384:
      return CKM_SHA384_RSA_PKCS_PSS;
    default:
      return CKM_SHA512_RSA_PKCS_PSS;
  }
}
CK_MECHANISM_TYPE ecdsaFor(HashAlg h) {
  switch (h) {
    case HashAlg::kSha1:
      return CKM_ECDSA_SHA1;
    case HashAlg::kSha224:
      return CKM_ECDSA_SHA224;
    case HashAlg::kSha256:
      return CKM_ECDSA_SHA256;
    case HashAlg::kSha384:
      return CKM_ECDSA_SHA384;
    default:
      return CKM_ECDSA_SHA512;
  }
}

std::vector<SigCase> allCases() {
  std::vector<SigCase> cases;
  for (const char* rsa : {"rsa1024", "rsa2048", "rsa4096"}) {
    for (HashAlg h : kShaHashes) {
      cases.push_back({rsa, CKM_RSA_PKCS, h, false, 0});
      cases.push_back({rsa, rsaPkcsFor(h), h, true, 0});
      // PSS with SHA-512 and a 64-byte salt does not fit RSA-1024 (RFC 8017 §9.1.1).
      if (std::string(rsa) == "rsa1024" && h == HashAlg::kSha512) continue;
      cases.push_back({rsa, CKM_RSA_PKCS_PSS, h, false, 0});
      cases.push_back({rsa, rsaPssFor(h), h, true, 0});
    }
  }
  for (const char* ec : {"prime256v1", "secp384r1", "secp521r1", "secp256k1", "brainpoolP256r1",
                         "brainpoolP384r1", "brainpoolP512r1"}) {
    for (size_t len : {20U, 32U, 48U, 64U})
      cases.push_back({ec, CKM_ECDSA, std::nullopt, false, len});
    for (HashAlg h : kShaHashes) cases.push_back({ec, ecdsaFor(h), h, true, 0});
  }
  cases.push_back({"ed25519", CKM_EDDSA, std::nullopt, false, 0});
  return cases;
}

// Mechanism with its parameter block kept alive.
struct Mech {
  CK_RSA_PKCS_PSS_PARAMS pss{};
  CK_MECHANISM m{};
  explicit Mech(const SigCase& c) {
    m.mechanism = c.mechanism;
    bool isPss = c.mechanism == CKM_RSA_PKCS_PSS ||
                 c.mechanism == rsaPssFor(c.hash.value_or(HashAlg::kSha1));
    if (isPss && c.hash) {
      const HashInfo& h = hashInfo(*c.hash);
      pss = {h.digestMechanism, h.mgf, h.length};
      m.pParameter = &pss;
      m.ulParameterLen = sizeof pss;
    }
  }
};

// The message the test signs and what the mechanism's input is.
struct Inputs {
  Bytes message;  // what OpenSSL's digest API signs
  Bytes input;    // what the module's C_Sign gets
};

Inputs inputsFor(const SigCase& c) {
  Inputs in;
  in.message = randomBytes(300);
  if (c.hashAndSign || c.mechanism == CKM_EDDSA) {
    in.input = in.message;
  } else if (c.mechanism == CKM_ECDSA) {
    in.input = randomBytes(c.rawInputLength);
  } else {
    Bytes hash = *hashOnce(*c.hash, in.message);
    in.input = c.mechanism == CKM_RSA_PKCS ? digestInfo(*c.hash, hash) : hash;
  }
  return in;
}

Bytes ecdsaDerFromRaw(const Bytes& raw) {
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), static_cast<int>(half), nullptr),
                 BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

Bytes ecdsaRawFromDer(const Bytes& der, size_t width) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  Bytes raw(2 * width);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), static_cast<int>(width));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + width, static_cast<int>(width));
  ECDSA_SIG_free(sig);
  return raw;
}

void configureRsa(EVP_PKEY_CTX* ctx, const SigCase& c, bool setMd) {
  if (c.mechanism == CKM_RSA_PKCS || c.mechanism == rsaPkcsFor(*c.hash)) {
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
    return;
  }
  const EVP_MD* md = evpMd(*c.hash);
  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING);
  if (setMd) EVP_PKEY_CTX_set_signature_md(ctx, md);
  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, EVP_MD_get_size(md));
}

bool isRsa(const SigCase& c) { return c.key.rfind("rsa", 0) == 0; }
size_t ecWidth(const TestKey& k) { return (k.view.bits + 7) / 8; }

// Reference verification, written against OpenSSL's public API only.
bool opensslVerify(const SigCase& c, const TestKey& k, const Inputs& in, Bytes sig) {
  bool ec = !isRsa(c) && c.mechanism != CKM_EDDSA;
  if (ec) sig = ecdsaDerFromRaw(sig);
  if (c.hashAndSign || c.mechanism == CKM_EDDSA) {
    MdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    const EVP_MD* digest = c.hash ? evpMd(*c.hash) : nullptr;
    if (EVP_DigestVerifyInit(md.get(), &pctx, digest, nullptr, k.key.get()) != 1) return false;
    if (isRsa(c)) configureRsa(pctx, c, false);
    return EVP_DigestVerify(md.get(), sig.data(), sig.size(), in.message.data(),
                            in.message.size()) == 1;
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.key.get(), nullptr));
  if (c.mechanism == CKM_RSA_PKCS) {  // recover the DigestInfo and compare
    EVP_PKEY_verify_recover_init(ctx.get());
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
    Bytes rec(sig.size());
    size_t len = rec.size();
    if (EVP_PKEY_verify_recover(ctx.get(), rec.data(), &len, sig.data(), sig.size()) != 1)
      return false;
    rec.resize(len);
    return rec == in.input;
  }
  EVP_PKEY_verify_init(ctx.get());
  if (isRsa(c)) configureRsa(ctx.get(), c, true);
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), in.input.data(), in.input.size()) == 1;
}

Bytes opensslSign(const SigCase& c, const TestKey& k, const Inputs& in) {
  Bytes sig(8192);
  size_t len = sig.size();
  if (c.hashAndSign || c.mechanism == CKM_EDDSA) {
    MdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(md.get(), &pctx, c.hash ? evpMd(*c.hash) : nullptr, nullptr, k.key.get());
    if (isRsa(c)) configureRsa(pctx, c, false);
    EVP_DigestSign(md.get(), sig.data(), &len, in.message.data(), in.message.size());
  } else {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.key.get(), nullptr));
    EVP_PKEY_sign_init(ctx.get());
    if (isRsa(c)) configureRsa(ctx.get(), c, c.mechanism != CKM_RSA_PKCS);
    EVP_PKEY_sign(ctx.get(), sig.data(), &len, in.input.data(), in.input.size());
  }
  sig.resize(len);
  bool ec = !isRsa(c) && c.mechanism != CKM_EDDSA;
  return ec ? ecdsaRawFromDer(sig, ecWidth(k)) : sig;
}

class SignatureRoundTrip : public testing::TestWithParam<SigCase> {};

TEST_P(SignatureRoundTrip, ModuleSignVerifiesWithOpenSsl) {
  const SigCase& c = GetParam();
  const TestKey& k = testKey(c.key);
  ASSERT_TRUE(k.key) << c.key;
  Mech m(c);
  Inputs in = inputsFor(c);
  auto op = createOperationWith(OperationKind::kSign, m.m, k.view, nullptr,
                                nethsm::capabilitiesOf({4, 0}));
  ASSERT_TRUE(op) << op.error().message;
  size_t expectedLength = (*op)->outputSizeBound(in.input.size());
  auto sig = runOperation(OperationKind::kSign, m.m, k.view, in.input);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(sig->size(), expectedLength);  // the size query is exact
  EXPECT_TRUE(opensslVerify(c, k, in, *sig));
  if (c.hashAndSign) {  // multi-part signing gives a signature that verifies too
    auto multi = runOperation(OperationKind::kSign, m.m, k.view, in.input, 7);
    ASSERT_TRUE(multi) << multi.error().message;
    EXPECT_TRUE(opensslVerify(c, k, in, *multi));
  }
}

TEST_P(SignatureRoundTrip, OpenSslSignVerifiesInModule) {
  const SigCase& c = GetParam();
  const TestKey& k = testKey(c.key);
  Mech m(c);
  Inputs in = inputsFor(c);
  Bytes sig = opensslSign(c, k, in);
  ASSERT_FALSE(sig.empty());
  auto ok = runVerify(m.m, k.view, in.input, sig);
  EXPECT_TRUE(ok) << ok.error().message;
  if (c.hashAndSign) {
    auto multi = runVerify(m.m, k.view, in.input, sig, 13);
    EXPECT_TRUE(multi) << multi.error().message;
  }
  Bytes bad = sig;
  bad[bad.size() / 2] ^= 0x01;
  auto invalid = runVerify(m.m, k.view, in.input, bad);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().pkcs11Rv, CKR_SIGNATURE_INVALID);
  Bytes shortSig(sig.begin(), sig.end() - 1);
  auto lenRange = runVerify(m.m, k.view, in.input, shortSig);
  ASSERT_FALSE(lenRange);
  EXPECT_EQ(lenRange.error().pkcs11Rv, CKR_SIGNATURE_LEN_RANGE);
}

INSTANTIATE_TEST_SUITE_P(AllMechanisms, SignatureRoundTrip, testing::ValuesIn(allCases()),
                         caseName);

}  // namespace
}  // namespace p11nethsm::mech::test
