// CKM_AES_CTR (PKCS#11 v2.40 §2.11, NIST SP 800-38A §6.5) on the appliance's AES block
// cipher (aes_block.hpp). Encryption and decryption are the same XOR with
// E_K(T_1) ‖ E_K(T_2) ‖ …; only the forward cipher is used, one encrypt request per
// keystream block, up to kBlockRequestWorkers at once. Output is as long as the input
// on every call: a partial last block keeps its unused keystream for the next update.
//
// ulCounterBits is honoured: only the low ulCounterBits bits of cb count, the bits
// above them (nonce, IV) never change. The counter must not wrap around: data that
// would need a counter value past 2^ulCounterBits - 1 is refused before any request,
// CKR_DATA_LEN_RANGE (encrypt) or CKR_ENCRYPTED_DATA_LEN_RANGE (decrypt), as RFC 3686
// counters (start at 1, at most 2^32 - 1 blocks) expect.
#include "mech/aes_block.hpp"
#include "mech/counter_keystream.hpp"
#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"

namespace p11nethsm::mech {
namespace {

class AesCtr final : public Operation {
 public:
  AesCtr(const OperationContext& ctx, const CtrParams& params, OperationKind kind)
      : cipher_(ctx.appliance, ctx.key.nethsmId),
        stream_(params.counterBlock, params.counterBits,
                blocksBeforeWrap(params.counterBlock, params.counterBits)),
        kind_(kind) {}
  OperationKind kind() const override { return kind_; }
  size_t outputSizeBound(size_t inputLen) const override { return inputLen; }
  size_t updateOutputBound(size_t inputLen) const override { return inputLen; }

  Result<Bytes> single(std::span<const uint8_t> input) override { return update(input); }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    auto counters = stream_.countersFor(input.size());
    if (!counters) {
      return ckError(
          kind_ == OperationKind::kEncrypt ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE,
          "AES-CTR counter would wrap around (ulCounterBits)");
    }
    auto encrypted = cipher_.encrypt(*counters);
    if (!encrypted) return encrypted.error();
    Bytes out = stream_.apply(input, *encrypted);
    cleanse(*encrypted);
    return out;
  }
  Result<Bytes> finish() override { return Bytes{}; }

 private:
  AesBlockCipher cipher_;
  CounterKeystream stream_;
  OperationKind kind_;
};

Result<std::unique_ptr<Operation>> makeCtr(const OperationContext& ctx, OperationKind kind) {
  auto params = checkCtrParams(ctx.mechanism);
  if (!params) return params.error();
  if (auto s = checkAesKey(ctx.key, nethsm::KeyMechanism::kAesEncryptionCbc); !s) return s.error();
  std::unique_ptr<Operation> op = std::make_unique<AesCtr>(ctx, *params, kind);
  return op;
}

}  // namespace

Result<std::unique_ptr<Operation>> makeAesCtrEncrypt(const MechanismSpec&,
                                                     const OperationContext& ctx) {
  return makeCtr(ctx, OperationKind::kEncrypt);
}

Result<std::unique_ptr<Operation>> makeAesCtrDecrypt(const MechanismSpec&,
                                                     const OperationContext& ctx) {
  return makeCtr(ctx, OperationKind::kDecrypt);
}

}  // namespace p11nethsm::mech
