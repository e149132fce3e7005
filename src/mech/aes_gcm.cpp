// CKM_AES_GCM (PKCS#11 v2.40 §2.12, NIST SP 800-38D) on the appliance's AES block
// cipher (aes_block.hpp): H = AES_K(0^128), E_K(J0) and the GCTR counter blocks are
// appliance requests; GHASH, the XORs and the tag check are module code.
//
// Requests: with a 12-byte IV, H, E_K(J0) and the counter blocks of the first data go
// out in ONE parallel round, so C_Encrypt / C_Decrypt of n bytes costs 2 + ceil(n/16)
// encrypt requests. Other IV lengths need H before J0 = GHASH_H(IV ‖ …): as many
// requests, in two rounds (H alone first). Multi-part encryption streams (each C_EncryptUpdate
// sends the blocks it needs, C_EncryptFinal returns the tag); multi-part decryption buffers the
// ciphertext and returns the plaintext only at C_DecryptFinal, once the tag verified
// (PKCS#11 v2.40 §2.12.3: no unauthenticated plaintext is released).
#include <openssl/crypto.h>

#include <optional>

#include "log/log.hpp"
#include "mech/aes_block.hpp"
#include "mech/counter_keystream.hpp"
#include "mech/ghash.hpp"
#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"

namespace p11nethsm::mech {
namespace {

// SP 800-38D §5.2.1.1: len(P) ≤ 2^39 - 256 bits, i.e. 2^32 - 2 blocks, which keeps the
// 32-bit counter from ever returning to J0.
constexpr uint64_t kMaxGcmBlocks = (uint64_t{1} << 32) - 2;
constexpr unsigned kGcmCounterBits = 32;
constexpr size_t kGcmIvFastBytes = 12;

class GcmCore {
 public:
  GcmCore(const OperationContext& ctx, GcmParams params, CK_RV tooLong)
      : cipher_(ctx.appliance, ctx.key.nethsmId), params_(std::move(params)), tooLong_(tooLong) {
    if (params_.iv.size() == kGcmIvFastBytes) {  // J0 = IV ‖ 0^31 ‖ 1 (§7.1 step 2)
      std::copy(params_.iv.begin(), params_.iv.end(), j0_.begin());
      j0_[kAesBlockSize - 1] = 1;
      startStream();
    }
  }
  ~GcmCore() {
    cleanse(std::span<AesBlock>(&ekj0_, 1));
    cleanse(std::span<AesBlock>(&hashKey_, 1));
  }
  GcmCore(const GcmCore&) = delete;
  GcmCore& operator=(const GcmCore&) = delete;

  size_t tagBytes() const { return params_.tagBytes; }

  // GCTR of `in`; GHASH takes the ciphertext side (`encrypting`: the output).
  Result<Bytes> crypt(std::span<const uint8_t> in, bool encrypting) {
    auto stream = keystreamFor(in.size());
    if (!stream) return stream.error();
    Bytes out = stream_->apply(in, *stream);
    cleanse(*stream);
    ghash_->update(encrypting ? std::span<const uint8_t>(out) : in);
    dataBytes_ += in.size();
    return out;
  }

  // T = MSB_t(E_K(J0) xor S), S = GHASH_H(A ‖ 0^v ‖ C ‖ 0^u ‖ [len(A)]64 ‖ [len(C)]64).
  Result<Bytes> tag() {
    if (!ghash_ || !haveEkj0_) {  // no data went through: H, E_K(J0) still to fetch
      auto none = keystreamFor(0);
      if (!none) return none.error();
    }
    AesBlock s = ghash_->finish(params_.aad.size(), dataBytes_);
    xorInto(s, ekj0_);
    Bytes t(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(params_.tagBytes));
    cleanse(std::span<AesBlock>(&s, 1));
    return t;
  }

 private:
  void startStream() {
    AesBlock first = j0_;
    incrementCounter(first, kGcmCounterBits);  // inc32(J0) encrypts the first block
    stream_.emplace(first, kGcmCounterBits, kMaxGcmBlocks);
  }

  void startGhash(const AesBlock& h) {
    hashKey_ = h;
    ghash_.emplace(h);
    ghash_->update(params_.aad);
    ghash_->endSection();
  }

  // Other IV lengths (§7.1 step 2): J0 = GHASH_H(IV ‖ 0^(s+64) ‖ [len(IV)]64).
  Status deriveJ0() {
    AesBlock zero{};
    auto h = cipher_.encrypt(std::span<const AesBlock>(&zero, 1));
    if (!h) return h.error();
    startGhash((*h)[0]);
    Ghash ivHash(hashKey_);
    ivHash.update(params_.iv);
    j0_ = ivHash.finish(0, params_.iv.size());
    startStream();
    cleanse(*h);
    return okStatus();
  }

  // The encrypted counter blocks for `bytes` more bytes, with H and E_K(J0) in the
  // same round when they are not known yet.
  Result<std::vector<AesBlock>> keystreamFor(size_t bytes) {
    if (!stream_) {
      if (auto s = deriveJ0(); !s) return s.error();
    }
    bool needH = !ghash_;
    bool needJ0 = !haveEkj0_;
    auto counters = stream_->countersFor(bytes);
    if (!counters) return ckError(tooLong_, "more data than one AES-GCM operation may protect");
    std::vector<AesBlock> batch;
    batch.reserve(counters->size() + 2);
    if (needH) batch.push_back(AesBlock{});
    if (needJ0) batch.push_back(j0_);
    batch.insert(batch.end(), counters->begin(), counters->end());
    auto enc = cipher_.encrypt(batch);
    if (!enc) return enc.error();
    size_t used = 0;
    if (needH) startGhash((*enc)[used++]);
    if (needJ0) {
      ekj0_ = (*enc)[used++];
      haveEkj0_ = true;
    }
    std::vector<AesBlock> stream(enc->begin() + static_cast<std::ptrdiff_t>(used), enc->end());
    cleanse(*enc);
    return stream;
  }

  AesBlockCipher cipher_;
  GcmParams params_;
  CK_RV tooLong_;
  AesBlock j0_{};
  AesBlock hashKey_{};
  AesBlock ekj0_{};
  bool haveEkj0_ = false;
  std::optional<CounterKeystream> stream_;
  std::optional<Ghash> ghash_;
  uint64_t dataBytes_ = 0;
};

class AesGcmEncrypt final : public Operation {
 public:
  AesGcmEncrypt(const OperationContext& ctx, GcmParams params)
      : core_(ctx, std::move(params), CKR_DATA_LEN_RANGE) {}
  OperationKind kind() const override { return OperationKind::kEncrypt; }
  size_t outputSizeBound(size_t inputLen) const override { return inputLen + core_.tagBytes(); }
  size_t updateOutputBound(size_t inputLen) const override { return inputLen; }

  Result<Bytes> single(std::span<const uint8_t> input) override {
    auto cipher = core_.crypt(input, true);
    if (!cipher) return cipher;
    auto t = core_.tag();
    if (!t) return t;
    cipher->insert(cipher->end(), t->begin(), t->end());
    return cipher;
  }
  Result<Bytes> update(std::span<const uint8_t> input) override { return core_.crypt(input, true); }
  Result<Bytes> finish() override { return core_.tag(); }

 private:
  GcmCore core_;
};

class AesGcmDecrypt final : public Operation {
 public:
  AesGcmDecrypt(const OperationContext& ctx, GcmParams params)
      : core_(ctx, std::move(params), CKR_ENCRYPTED_DATA_LEN_RANGE), keyId_(ctx.key.nethsmId) {}
  OperationKind kind() const override { return OperationKind::kDecrypt; }
  size_t outputSizeBound(size_t inputLen) const override {
    size_t total = pending_.size() + inputLen;
    return total > core_.tagBytes() ? total - core_.tagBytes() : 0;
  }
  size_t updateOutputBound(size_t) const override { return 0; }  // all at Final

  Result<Bytes> single(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return finish();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    pending_.insert(pending_.end(), input.begin(), input.end());
    return Bytes{};
  }
  Result<Bytes> finish() override {
    if (pending_.size() < core_.tagBytes()) {
      return ckError(CKR_ENCRYPTED_DATA_LEN_RANGE, "AES-GCM input shorter than its tag");
    }
    size_t dataLen = pending_.size() - core_.tagBytes();
    std::span<const uint8_t> all(pending_);
    auto plain = core_.crypt(all.first(dataLen), false);
    if (!plain) return plain;
    auto expected = core_.tag();
    if (!expected) {
      cleanse(*plain);
      return expected;
    }
    // Constant time: the comparison must not tell how many tag bytes were right.
    if (CRYPTO_memcmp(expected->data(), all.data() + dataLen, core_.tagBytes()) != 0) {
      cleanse(*plain);
      log::warn("C_Decrypt(CKM_AES_GCM): tag does not verify with key " + keyId_ +
                " (wrong key, IV, AAD, or altered data); no plaintext returned");
      return ckError(CKR_ENCRYPTED_DATA_INVALID, "AES-GCM tag does not verify");
    }
    return plain;
  }

 private:
  GcmCore core_;
  std::string keyId_;
  Bytes pending_;  // ciphertext ‖ tag
};

Result<GcmParams> gcmSetup(const OperationContext& ctx) {
  auto params = checkGcmParams(ctx.mechanism);
  if (!params) return params.error();
  // Both directions use only the forward cipher (SP 800-38D §7.2).
  if (auto s = checkAesKey(ctx.key, nethsm::KeyMechanism::kAesEncryptionCbc); !s) return s.error();
  return params;
}

}  // namespace

Result<std::unique_ptr<Operation>> makeAesGcmEncrypt(const MechanismSpec&,
                                                     const OperationContext& ctx) {
  auto params = gcmSetup(ctx);
  if (!params) return params.error();
  std::unique_ptr<Operation> op = std::make_unique<AesGcmEncrypt>(ctx, std::move(*params));
  return op;
}

Result<std::unique_ptr<Operation>> makeAesGcmDecrypt(const MechanismSpec&,
                                                     const OperationContext& ctx) {
  auto params = gcmSetup(ctx);
  if (!params) return params.error();
  std::unique_ptr<Operation> op = std::make_unique<AesGcmDecrypt>(ctx, std::move(*params));
  return op;
}

}  // namespace p11nethsm::mech
