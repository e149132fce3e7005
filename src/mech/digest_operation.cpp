// C_Digest* (PKCS#11 v2.40 §5.11): MD5, SHA-1 and SHA-2 computed locally; the NetHSM
// has no digest endpoint.
#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"

namespace p11nethsm::mech {
namespace {

class DigestOperation final : public Operation {
 public:
  explicit DigestOperation(HashAlg alg) : hasher_(alg) {}
  OperationKind kind() const override { return OperationKind::kDigest; }
  size_t outputSizeBound(size_t) const override { return hasher_.length(); }
  Result<Bytes> single(std::span<const uint8_t> input) override {
    if (auto s = hasher_.update(input); !s) return s.error();
    return hasher_.finish();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    if (auto s = hasher_.update(input); !s) return s.error();
    return Bytes{};
  }
  Result<Bytes> finish() override { return hasher_.finish(); }

 private:
  Hasher hasher_;
};

}  // namespace

Result<std::unique_ptr<Operation>> makeDigest(const MechanismSpec& spec,
                                              const OperationContext& ctx) {
  if (auto s = checkNoParams(ctx.mechanism); !s) return s.error();
  if (!spec.hash) return ckError(CKR_MECHANISM_INVALID, "not a digest mechanism");
  std::unique_ptr<Operation> op = std::make_unique<DigestOperation>(*spec.hash);
  return op;
}

}  // namespace p11nethsm::mech
