#include "local_appliance.hpp"

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "mech/ec_curve.hpp"
#include "mech/hash.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::mech::test {
namespace {

Error badRequest(const std::string& message) {
  return makeError(ErrorKind::kBadRequest, message, 400);
}

const HashInfo* hashByLength(size_t len) {
  for (auto alg : {HashAlg::kMd5, HashAlg::kSha1, HashAlg::kSha224, HashAlg::kSha256,
                   HashAlg::kSha384, HashAlg::kSha512}) {
    if (hashInfo(alg).length == len) return &hashInfo(alg);
  }
  return nullptr;
}

const HashInfo* pssHash(nethsm::SignMode mode) {
  for (auto alg : {HashAlg::kMd5, HashAlg::kSha1, HashAlg::kSha224, HashAlg::kSha256,
                   HashAlg::kSha384, HashAlg::kSha512}) {
    if (hashInfo(alg).pssMode == mode) return &hashInfo(alg);
  }
  return nullptr;
}

const HashInfo* oaepHash(nethsm::DecryptMode mode) {
  for (auto alg : {HashAlg::kMd5, HashAlg::kSha1, HashAlg::kSha224, HashAlg::kSha256,
                   HashAlg::kSha384, HashAlg::kSha512}) {
    if (hashInfo(alg).oaepMode == mode) return &hashInfo(alg);
  }
  return nullptr;
}

Result<Bytes> pkeySign(EVP_PKEY* key, const Bytes& tbs, int padding, const HashInfo* pss) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) return badRequest("sign init");
  if (padding != 0 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1)
    return badRequest("padding");
  if (pss) {
    EVP_PKEY_CTX_set_signature_md(ctx.get(), evpMd(pss->alg));
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), evpMd(pss->alg));
    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), static_cast<int>(pss->length));
  }
  size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, tbs.data(), tbs.size()) != 1)
    return badRequest("sign size");
  Bytes out(len);
  if (EVP_PKEY_sign(ctx.get(), out.data(), &len, tbs.data(), tbs.size()) != 1) {
    return badRequest("Signing failure");
  }
  out.resize(len);
  return out;
}

size_t ecdsaLength(EVP_PKEY* key) {
  for (const auto& c : allCurves()) {
    if (!c.edwards && EVP_PKEY_get_bits(key) == static_cast<int>(c.bits)) {
      char name[64] = {};
      size_t n = 0;
      EVP_PKEY_get_utf8_string_param(key, "group", name, sizeof name, &n);
      if (std::string(name) == c.groupName) return c.ecdsaDigestLength;
    }
  }
  return 0;
}

}  // namespace

void LocalAppliance::addKey(const std::string& id, EVP_PKEY* key) {
  EVP_PKEY_up_ref(key);
  keys_[id] = PkeyPtr(key);
}

void LocalAppliance::addSecret(const std::string& id, Bytes secret) {
  secrets_[id] = std::move(secret);
}

Result<Bytes> LocalAppliance::sign(const std::string& keyId, nethsm::SignMode mode,
                                   const Bytes& message) {
  ++calls_;
  auto it = keys_.find(keyId);
  if (it == keys_.end()) return makeError(ErrorKind::kNotFound, "no key", 404);
  EVP_PKEY* key = it->second.get();
  int base = EVP_PKEY_get_base_id(key);
  if (mode == nethsm::SignMode::kPkcs1 && base == EVP_PKEY_RSA) {
    if (firmware_ == nethsm::FirmwareVersion{3, 0}) {
      const HashInfo* h = hashByLength(message.size());
      if (!h) return badRequest("firmware 3.0 wants a hash");
      return pkeySign(key, digestInfo(h->alg, message), RSA_PKCS1_PADDING, nullptr);
    }
    return pkeySign(key, message, RSA_PKCS1_PADDING, nullptr);
  }
  if (const HashInfo* h = pssHash(mode); h && base == EVP_PKEY_RSA) {
    if (message.size() != h->length) return badRequest("PSS input length");
    return pkeySign(key, message, RSA_PKCS1_PSS_PADDING, h);
  }
  if (mode == nethsm::SignMode::kEcdsa && base == EVP_PKEY_EC) {
    if (message.size() != ecdsaLength(key)) return badRequest("digested data of invalid size");
    return pkeySign(key, message, 0, nullptr);
  }
  if (mode == nethsm::SignMode::kEdDsa && base == EVP_PKEY_ED25519) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    Bytes sig(64);
    size_t len = sig.size();
    if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
      return badRequest("EdDSA");
    }
    return sig;
  }
  return badRequest("mode does not fit key");
}

Result<Bytes> LocalAppliance::decrypt(const std::string& keyId, nethsm::DecryptMode mode,
                                      const Bytes& data, const std::optional<Bytes>& iv) {
  ++calls_;
  if (mode == nethsm::DecryptMode::kAesCbc) {
    if (!iv) return badRequest("AES-CBC decrypt requires IV");
    return aesCbc(keyId, data, *iv, false);
  }
  auto it = keys_.find(keyId);
  if (it == keys_.end()) return makeError(ErrorKind::kNotFound, "no key", 404);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, it->second.get(), nullptr));
  int padding = mode == nethsm::DecryptMode::kRaw     ? RSA_NO_PADDING
                : mode == nethsm::DecryptMode::kPkcs1 ? RSA_PKCS1_PADDING
                                                      : RSA_PKCS1_OAEP_PADDING;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1) {
    return badRequest("decrypt init");
  }
  if (const HashInfo* h = oaepHash(mode)) {
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), evpMd(h->alg));
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), evpMd(h->alg));
  }
  Bytes out(static_cast<size_t>(EVP_PKEY_get_size(it->second.get())));
  size_t len = out.size();
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, data.data(), data.size()) != 1) {
    return badRequest("Decryption failure");
  }
  out.resize(len);
  return out;
}

Result<Bytes> LocalAppliance::encryptAesCbc(const std::string& keyId, const Bytes& message,
                                            const Bytes& iv) {
  ++calls_;
  return aesCbc(keyId, message, iv, true);
}

Result<Bytes> LocalAppliance::aesCbc(const std::string& keyId, const Bytes& data, const Bytes& iv,
                                     bool encrypt) {
  auto it = secrets_.find(keyId);
  if (it == secrets_.end()) return makeError(ErrorKind::kNotFound, "no key", 404);
  if (data.size() % 16 != 0 || iv.size() != 16) return badRequest("whole blocks only");
  const EVP_CIPHER* cipher = it->second.size() == 16   ? EVP_aes_128_cbc()
                             : it->second.size() == 24 ? EVP_aes_192_cbc()
                                                       : EVP_aes_256_cbc();
  std::unique_ptr<EVP_CIPHER_CTX, OsslFree<EVP_CIPHER_CTX_free>> ctx(EVP_CIPHER_CTX_new());
  Bytes out(data.size() + 16);
  int n1 = 0, n2 = 0;
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, it->second.data(), iv.data(),
                        encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n1, data.data(), static_cast<int>(data.size())) !=
          1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
    return badRequest("AES failure");
  }
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

PkeyPtr generateRsa(unsigned bits) {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{bits}));
}
PkeyPtr generateEc(const char* groupName) {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", groupName));
}
PkeyPtr generateEd25519() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

Bytes spkiOf(EVP_PKEY* key) {
  auto der = publicKeyToDer(key);
  return der ? *der : Bytes{};
}

Bytes randomBytes(size_t n) {
  Bytes b(n);
  if (n > 0) RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

}  // namespace p11nethsm::mech::test
