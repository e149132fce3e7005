// CKM_AES_ECB (PKCS#11 v2.40 §2.10.3, NIST SP 800-38A §6.1) on the appliance's AES
// block cipher (aes_block.hpp). Encryption costs one encrypt request per block (up to
// kBlockRequestWorkers at once) and needs AES_Encryption_CBC; decryption is one
// AES_CBC decrypt request per kDecryptChunkBlocks blocks and needs AES_Decryption_CBC.
// Input is whole blocks: updates process the whole blocks they have and keep the rest;
// a remainder at Final is CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE.
#include <openssl/crypto.h>

#include "mech/aes_block.hpp"
#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"

namespace p11nethsm::mech {
namespace {

class AesEcb final : public Operation {
 public:
  AesEcb(const OperationContext& ctx, OperationKind kind)
      : cipher_(ctx.appliance, ctx.key.nethsmId), kind_(kind) {}
  ~AesEcb() override { cleanse(pending_); }
  AesEcb(const AesEcb&) = delete;
  AesEcb& operator=(const AesEcb&) = delete;

  OperationKind kind() const override { return kind_; }
  size_t outputSizeBound(size_t inputLen) const override { return pending_.size() + inputLen; }
  size_t updateOutputBound(size_t inputLen) const override {
    return (pending_.size() + inputLen) / kAesBlockSize * kAesBlockSize;
  }

  Result<Bytes> single(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    if (auto s = checkWhole(); !s) return s.error();
    return process();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return process();
  }
  Result<Bytes> finish() override {
    if (auto s = checkWhole(); !s) return s.error();
    return Bytes{};
  }

 private:
  Status checkWhole() const {
    if (pending_.size() % kAesBlockSize == 0) return okStatus();
    return ckError(
        kind_ == OperationKind::kEncrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE,
        "AES-ECB needs whole 16-byte blocks");
  }

  // The whole blocks of pending_ through the cipher; the remainder stays.
  Result<Bytes> process() {
    size_t whole = pending_.size() / kAesBlockSize * kAesBlockSize;
    if (whole == 0) return Bytes{};
    auto blocks = toBlocks(std::span<const uint8_t>(pending_).first(whole));
    auto out = kind_ == OperationKind::kEncrypt ? cipher_.encrypt(blocks) : cipher_.decrypt(blocks);
    cleanse(blocks);
    if (!out) return out.error();
    OPENSSL_cleanse(pending_.data(), whole);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(whole));
    Bytes bytes = fromBlocks(*out);
    cleanse(*out);
    return bytes;
  }

  AesBlockCipher cipher_;
  OperationKind kind_;
  Bytes pending_;
};

Result<std::unique_ptr<Operation>> makeEcb(const OperationContext& ctx, OperationKind kind,
                                           nethsm::KeyMechanism needed) {
  if (auto s = checkNoParams(ctx.mechanism); !s) return s.error();
  if (auto s = checkAesKey(ctx.key, needed); !s) return s.error();
  std::unique_ptr<Operation> op = std::make_unique<AesEcb>(ctx, kind);
  return op;
}

}  // namespace

Result<std::unique_ptr<Operation>> makeAesEcbEncrypt(const MechanismSpec&,
                                                     const OperationContext& ctx) {
  return makeEcb(ctx, OperationKind::kEncrypt, nethsm::KeyMechanism::kAesEncryptionCbc);
}

Result<std::unique_ptr<Operation>> makeAesEcbDecrypt(const MechanismSpec&,
                                                     const OperationContext& ctx) {
  return makeEcb(ctx, OperationKind::kDecrypt, nethsm::KeyMechanism::kAesDecryptionCbc);
}

}  // namespace p11nethsm::mech
