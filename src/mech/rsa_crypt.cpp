// RSA encryption (local, with the public key: the NetHSM offers no RSA encryption,
// BEHAVIOUR.md §6 "Encrypt") and RSA decryption (POST /keys/{id}/decrypt with RAW,
// PKCS1 or OAEP_<H>). PKCS#11 v2.40 §2.1.6 (PKCS #1 v1.5), §2.1.8 (OAEP), §2.1.10 (X.509).
// These mechanisms are single-part in the spec; multi-part calls are accepted and
// buffered, with the result at Final.
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::mech {
namespace {

constexpr size_t kPkcs1Overhead = 11;  // RFC 8017 §7.2.1

// Single-part mechanisms in the spec: multi-part input is collected and processed at
// Final (the whole ciphertext/plaintext is one RSA block anyway).
class BufferedOperation : public Operation {
 public:
  Result<Bytes> single(std::span<const uint8_t> input) override {
    buffer_.assign(input.begin(), input.end());
    return finish();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    buffer_.insert(buffer_.end(), input.begin(), input.end());
    return Bytes{};
  }

 protected:
  Bytes buffer_;
};

struct RsaPadding {
  int opensslPadding = RSA_PKCS1_PADDING;
  const HashInfo* oaepHash = nullptr;
  nethsm::DecryptMode mode = nethsm::DecryptMode::kPkcs1;
  nethsm::KeyMechanism needed = nethsm::KeyMechanism::kRsaDecryptionPkcs1;

  // Longest plaintext for a k-byte modulus (RFC 8017 §7.1.1, §7.2.1).
  size_t maxPlaintext(size_t k) const {
    if (opensslPadding == RSA_NO_PADDING) return k;
    size_t overhead = oaepHash ? 2 * oaepHash->length + 2 : kPkcs1Overhead;
    return k > overhead ? k - overhead : 0;
  }
};

Result<RsaPadding> paddingFromParams(const OperationContext& ctx);

Result<RsaPadding> paddingFor(const OperationContext& ctx) {
  auto p = paddingFromParams(ctx);
  // RFC 8017 §7.1.1: OAEP needs k ≥ 2·hLen + 2 (SHA-512 does not fit RSA-1024).
  if (p && p->oaepHash && (ctx.key.bits + 7) / 8 < 2 * p->oaepHash->length + 2) {
    return ckError(CKR_KEY_SIZE_RANGE, "RSA key too short for OAEP with this hash");
  }
  return p;
}

Result<RsaPadding> paddingFromParams(const OperationContext& ctx) {
  RsaPadding p;
  switch (ctx.mechanism.mechanism) {
    case CKM_RSA_X_509:
      if (auto s = checkNoParams(ctx.mechanism); !s) return s.error();
      p.opensslPadding = RSA_NO_PADDING;
      p.mode = nethsm::DecryptMode::kRaw;
      p.needed = nethsm::KeyMechanism::kRsaDecryptionRaw;
      return p;
    case CKM_RSA_PKCS:
      if (auto s = checkNoParams(ctx.mechanism); !s) return s.error();
      return p;
    case CKM_RSA_PKCS_OAEP: {
      auto hash = checkOaepParams(ctx.mechanism);
      if (!hash) return hash.error();
      p.opensslPadding = RSA_PKCS1_OAEP_PADDING;
      p.oaepHash = *hash;
      p.mode = (*hash)->oaepMode;
      p.needed = (*hash)->oaepMechanism;
      return p;
    }
    default:
      return ckError(CKR_MECHANISM_INVALID, "not an RSA encryption mechanism");
  }
}

class RsaEncrypt final : public BufferedOperation {
 public:
  RsaEncrypt(RsaPadding padding, PkeyPtr key)
      : padding_(padding), key_(std::move(key)), k_(rsaModulusBytes(key_.get())) {}

  OperationKind kind() const override { return OperationKind::kEncrypt; }
  size_t outputSizeBound(size_t) const override { return k_; }
  Result<Bytes> finish() override {
    if (buffer_.size() > padding_.maxPlaintext(k_)) {
      return ckError(CKR_DATA_LEN_RANGE, "plaintext too long for the key and padding");
    }
    if (padding_.opensslPadding == RSA_NO_PADDING) {
      buffer_.insert(buffer_.begin(), k_ - buffer_.size(), 0);  // X.509: same integer
    }
    return encrypt();
  }

 private:
  Result<Bytes> encrypt() {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding_.opensslPadding) != 1) {
      return osslError("EVP_PKEY_encrypt_init");
    }
    if (padding_.oaepHash) {
      const EVP_MD* md = evpMd(padding_.oaepHash->alg);
      if (EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) != 1 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1) {
        return osslError("OAEP parameters");
      }
    }
    Bytes out(k_);
    size_t outLen = out.size();
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &outLen, buffer_.data(), buffer_.size()) != 1) {
      // Only X.509 can get here with a valid length: the integer is not below n.
      return ckError(CKR_DATA_INVALID, "plaintext is not smaller than the modulus");
    }
    out.resize(outLen);
    return out;
  }

  RsaPadding padding_;
  PkeyPtr key_;
  size_t k_;
};

class RsaDecrypt final : public BufferedOperation {
 public:
  RsaDecrypt(RsaPadding padding, const OperationContext& ctx)
      : padding_(padding),
        appliance_(ctx.appliance),
        keyId_(ctx.key.nethsmId),
        k_((ctx.key.bits + 7) / 8) {}

  OperationKind kind() const override { return OperationKind::kDecrypt; }
  size_t outputSizeBound(size_t) const override { return padding_.maxPlaintext(k_); }
  Result<Bytes> finish() override {
    if (buffer_.size() != k_) {
      return ckError(CKR_ENCRYPTED_DATA_LEN_RANGE, "ciphertext must be as long as the modulus");
    }
    auto plain = appliance_->decrypt(keyId_, padding_.mode, buffer_, std::nullopt);
    if (!plain && plain.error().kind == ErrorKind::kBadRequest) {
      // 400 after our checks: padding or range failure of this ciphertext (§6).
      Error e = plain.error();
      e.pkcs11Rv = CKR_ENCRYPTED_DATA_INVALID;
      return e;
    }
    // RFC 8017 §7.1.2, §7.2.2: never longer than the padding leaves room for.
    if (plain && plain->size() > padding_.maxPlaintext(k_)) {
      OPENSSL_cleanse(plain->data(), plain->size());
      return ckError(CKR_DEVICE_ERROR,
                     "the appliance returned a plaintext longer than the key "
                     "and padding allow");
    }
    return plain;
  }

 private:
  RsaPadding padding_;
  std::shared_ptr<Appliance> appliance_;
  std::string keyId_;
  size_t k_;
};

}  // namespace

Result<std::unique_ptr<Operation>> makeRsaEncrypt(const MechanismSpec&,
                                                  const OperationContext& ctx) {
  auto padding = paddingFor(ctx);
  if (!padding) return padding.error();
  auto key = publicKeyFromDer(ctx.key.publicKeyDer);
  if (!key) return key.error();
  std::unique_ptr<Operation> op = std::make_unique<RsaEncrypt>(*padding, std::move(*key));
  return op;
}

Result<std::unique_ptr<Operation>> makeRsaDecrypt(const MechanismSpec&,
                                                  const OperationContext& ctx) {
  auto padding = paddingFor(ctx);
  if (!padding) return padding.error();
  if (auto s = requireKeyMechanism(ctx.key, padding->needed); !s) return s.error();
  std::unique_ptr<Operation> op = std::make_unique<RsaDecrypt>(*padding, ctx);
  return op;
}

}  // namespace p11nethsm::mech
