// CKM_AES_CBC and CKM_AES_CBC_PAD (PKCS#11 v2.40 §2.10.4, §2.10.5) on the appliance's
// raw AES-CBC (POST /keys/{id}/encrypt|decrypt, mode AES_CBC, whole blocks, explicit
// IV; BEHAVIOUR.md §6). Multi-part keeps the CBC chain: the IV of the next request is
// the last ciphertext block of the previous one. PKCS#7 padding is added and removed
// here; CBC_PAD decryption holds back the last block until Final.
#include "mech/aes_block.hpp"
#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"

namespace p11nethsm::mech {
namespace {

constexpr size_t kBlock = 16;

Bytes lastBlock(const Bytes& data) {
  return Bytes(data.end() - static_cast<std::ptrdiff_t>(kBlock), data.end());
}

// Removes PKCS#7 padding of a whole-block plaintext; checks every pad byte without an
// early exit so that timing does not tell which byte was wrong.
Result<Bytes> unpad(Bytes plain) {
  uint8_t n = plain.empty() ? 0 : plain.back();
  unsigned bad = (n == 0 || n > kBlock || plain.size() < kBlock) ? 1U : 0U;
  for (size_t i = 0; i < kBlock && i < plain.size(); ++i) {
    uint8_t b = plain[plain.size() - 1 - i];
    bad |= (i < n) ? static_cast<unsigned>(b ^ n) : 0U;
  }
  if (bad != 0) return ckError(CKR_ENCRYPTED_DATA_INVALID, "invalid CBC padding");
  plain.resize(plain.size() - n);
  return plain;
}

class AesCbcBase : public Operation {
 public:
  AesCbcBase(const OperationContext& ctx, Bytes iv, bool pad)
      : appliance_(ctx.appliance), keyId_(ctx.key.nethsmId), iv_(std::move(iv)), pad_(pad) {}

 protected:
  // Moves the first `n` bytes of pending_ into a request payload.
  Bytes takePending(size_t n) {
    Bytes chunk(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    return chunk;
  }

  std::shared_ptr<Appliance> appliance_;
  std::string keyId_;
  Bytes iv_;
  bool pad_;
  Bytes pending_;
};

class AesCbcEncrypt final : public AesCbcBase {
 public:
  using AesCbcBase::AesCbcBase;
  OperationKind kind() const override { return OperationKind::kEncrypt; }

  size_t outputSizeBound(size_t inputLen) const override {
    size_t total = pending_.size() + inputLen;
    return pad_ ? (total / kBlock + 1) * kBlock : total;
  }
  size_t updateOutputBound(size_t inputLen) const override {
    return (pending_.size() + inputLen) / kBlock * kBlock;
  }

  Result<Bytes> single(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return finish();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return send(pending_.size() / kBlock * kBlock);
  }
  Result<Bytes> finish() override {
    if (pad_) {
      size_t n = kBlock - pending_.size() % kBlock;  // PKCS#7: 1..16 bytes of value n
      pending_.insert(pending_.end(), n, static_cast<uint8_t>(n));
    } else if (pending_.size() % kBlock != 0) {
      return ckError(CKR_DATA_LEN_RANGE, "AES-CBC needs whole 16-byte blocks");
    }
    return send(pending_.size());
  }

 private:
  Result<Bytes> send(size_t n) {
    if (n == 0) return Bytes{};
    auto cipher = appliance_->encryptAesCbc(keyId_, takePending(n), iv_);
    if (!cipher) return cipher.error();
    if (cipher->size() != n) {
      return ckError(CKR_DEVICE_ERROR, "the appliance returned a ciphertext of wrong size");
    }
    iv_ = lastBlock(*cipher);
    return cipher;
  }
};

class AesCbcDecrypt final : public AesCbcBase {
 public:
  using AesCbcBase::AesCbcBase;
  OperationKind kind() const override { return OperationKind::kDecrypt; }

  size_t outputSizeBound(size_t inputLen) const override { return pending_.size() + inputLen; }
  size_t updateOutputBound(size_t inputLen) const override {
    return readyBytes(pending_.size() + inputLen);
  }

  Result<Bytes> single(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return finish();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return send(readyBytes(pending_.size()));
  }
  Result<Bytes> finish() override {
    if (pending_.size() % kBlock != 0 || (pad_ && pending_.empty())) {
      return ckError(CKR_ENCRYPTED_DATA_LEN_RANGE, "AES-CBC ciphertext must be whole blocks");
    }
    auto plain = send(pending_.size());
    if (!plain || !pad_) return plain;
    return unpad(std::move(*plain));
  }

 private:
  // Whole blocks that can be decrypted now; CBC_PAD keeps the last one for Final,
  // where its padding is removed.
  size_t readyBytes(size_t total) const {
    if (!pad_) return total / kBlock * kBlock;
    return total == 0 ? 0 : (total - 1) / kBlock * kBlock;
  }

  Result<Bytes> send(size_t n) {
    if (n == 0) return Bytes{};
    Bytes chunk = takePending(n);
    Bytes nextIv = lastBlock(chunk);
    auto plain = appliance_->decrypt(keyId_, nethsm::DecryptMode::kAesCbc, chunk, iv_);
    if (!plain) return plain.error();
    if (plain->size() != n) {
      return ckError(CKR_DEVICE_ERROR, "the appliance returned a plaintext of wrong size");
    }
    iv_ = std::move(nextIv);
    return plain;
  }
};

// Key checks shared by both directions: a Generic key usable as AES (BEHAVIOUR.md §6:
// 16, 24 or 32 bytes) that the appliance allows for `needed`.
Result<Bytes> aesSetup(const OperationContext& ctx, nethsm::KeyMechanism needed) {
  auto iv = checkIvParam(ctx.mechanism);
  if (!iv) return iv.error();
  if (auto s = checkAesKey(ctx.key, needed); !s) return s.error();
  return iv;
}

}  // namespace

Result<std::unique_ptr<Operation>> makeAesEncrypt(const MechanismSpec& spec,
                                                  const OperationContext& ctx) {
  auto iv = aesSetup(ctx, nethsm::KeyMechanism::kAesEncryptionCbc);
  if (!iv) return iv.error();
  std::unique_ptr<Operation> op = std::make_unique<AesCbcEncrypt>(ctx, std::move(*iv), spec.pad);
  return op;
}

Result<std::unique_ptr<Operation>> makeAesDecrypt(const MechanismSpec& spec,
                                                  const OperationContext& ctx) {
  auto iv = aesSetup(ctx, nethsm::KeyMechanism::kAesDecryptionCbc);
  if (!iv) return iv.error();
  std::unique_ptr<Operation> op = std::make_unique<AesCbcDecrypt>(ctx, std::move(*iv), spec.pad);
  return op;
}

}  // namespace p11nethsm::mech
