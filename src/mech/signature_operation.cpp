// C_Sign* and C_Verify* operations (PKCS#11 v2.40 §5.12, §5.14). Hash-and-sign
// mechanisms hash as data arrives; the others buffer their (short) input. Signing goes
// to the appliance; verifying is local with the public key.
#include <algorithm>
#include <optional>

#include "mech/mechanism_spec.hpp"
#include "mech/params.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::mech {
namespace {

using Kind = SignatureScheme::Kind;

// Input handling shared by sign and verify.
class SignatureInput {
 public:
  SignatureInput(std::optional<HashAlg> hash, bool wrapDigestInfo) : wrap_(wrapDigestInfo) {
    if (hash) hasher_.emplace(*hash);
  }

  Status absorb(std::span<const uint8_t> data) {
    if (hasher_) return hasher_->update(data);
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    return okStatus();
  }

  // What the scheme signs: DigestInfo||hash, hash, or the raw input.
  Result<Bytes> take() {
    if (!hasher_) return std::move(buffer_);
    auto hash = hasher_->finish();
    if (!hash || !wrap_) return hash;
    return digestInfo(hasher_->alg(), *hash);
  }

 private:
  std::optional<Hasher> hasher_;
  bool wrap_;
  Bytes buffer_;
};

class SignOperation final : public Operation {
 public:
  SignOperation(SignatureScheme scheme, std::optional<HashAlg> hash, const OperationContext& ctx,
                PkeyPtr verifyWith)
      : scheme_(scheme),
        input_(hash, scheme.kind == Kind::kPkcs1),
        appliance_(ctx.appliance),
        keyId_(ctx.key.nethsmId),
        caps_(ctx.caps),
        verifyWith_(std::move(verifyWith)) {}

  OperationKind kind() const override { return OperationKind::kSign; }
  size_t outputSizeBound(size_t) const override { return scheme_.signatureLength(); }

  Result<Bytes> single(std::span<const uint8_t> input) override {
    if (auto s = input_.absorb(input); !s) return s.error();
    return finish();
  }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    if (auto s = input_.absorb(input); !s) return s.error();
    return Bytes{};
  }
  Result<Bytes> finish() override {
    auto prepared = input_.take();
    if (!prepared) return prepared.error();
    if (auto s = scheme_.checkInput(*prepared); !s) return s.error();
    return applianceSign(scheme_, *appliance_, keyId_, caps_, *prepared, verifyWith_.get());
  }

 private:
  SignatureScheme scheme_;
  SignatureInput input_;
  std::shared_ptr<Appliance> appliance_;
  std::string keyId_;
  nethsm::Capabilities caps_;
  PkeyPtr verifyWith_;  // null unless verify_signatures
};

class VerifyOperation final : public Operation {
 public:
  VerifyOperation(SignatureScheme scheme, std::optional<HashAlg> hash, PkeyPtr key)
      : scheme_(scheme), input_(hash, scheme.kind == Kind::kPkcs1), key_(std::move(key)) {}

  OperationKind kind() const override { return OperationKind::kVerify; }
  size_t outputSizeBound(size_t) const override { return 0; }
  Result<Bytes> single(std::span<const uint8_t>) override { return notHere(); }
  Result<Bytes> update(std::span<const uint8_t> input) override {
    if (auto s = input_.absorb(input); !s) return s.error();
    return Bytes{};
  }
  Result<Bytes> finish() override { return notHere(); }

  Status verify(std::span<const uint8_t> data, std::span<const uint8_t> signature) override {
    if (auto s = input_.absorb(data); !s) return s;
    return verifyFinish(signature);
  }
  Status verifyFinish(std::span<const uint8_t> signature) override {
    auto prepared = input_.take();
    if (!prepared) return prepared.error();
    return localVerify(scheme_, key_.get(), *prepared, signature);
  }

 private:
  static Error notHere() {
    return ckError(CKR_OPERATION_NOT_INITIALIZED, "verify operations use verify()");
  }
  SignatureScheme scheme_;
  SignatureInput input_;
  PkeyPtr key_;
};

// Parameters, scheme and the NetHSM mechanism the key must allow for signing.
struct Setup {
  SignatureScheme scheme;
  nethsm::KeyMechanism needed = nethsm::KeyMechanism::kRsaSignaturePkcs1;
};

Result<Setup> setupFor(const MechanismSpec& spec, const OperationContext& ctx) {
  Setup s;
  s.scheme.kind = spec.signatureKind;
  s.scheme.modulusBytes = (ctx.key.bits + 7) / 8;
  s.scheme.curve = curveForKeyType(ctx.key.type);
  switch (spec.signatureKind) {
    case Kind::kPkcs1:
      if (auto st = checkNoParams(ctx.mechanism); !st) return st.error();
      return s;
    case Kind::kPss: {
      const HashInfo* fixed = spec.hash ? &hashInfo(*spec.hash) : nullptr;
      auto hash = checkPssParams(ctx.mechanism, fixed);
      if (!hash) return hash.error();
      s.scheme.pssHash = *hash;
      s.needed = (*hash)->pssMechanism;
      // RFC 8017 §9.1.1: emLen ≥ hLen + sLen + 2 with sLen = hLen (e.g. SHA-512 needs
      // more than RSA-1024 has); refused here instead of by the appliance later.
      size_t emLen = (ctx.key.bits + 6) / 8;  // ⌈(modBits − 1) / 8⌉
      if (emLen < 2 * (*hash)->length + 2) {
        return ckError(CKR_KEY_SIZE_RANGE, "RSA key too short for PSS with this hash");
      }
      return s;
    }
    case Kind::kEcdsa:
      if (auto st = checkNoParams(ctx.mechanism); !st) return st.error();
      s.needed = nethsm::KeyMechanism::kEcdsaSignature;
      return s;
    case Kind::kEddsa:
      if (auto st = checkEddsaParams(ctx.mechanism); !st) return st.error();
      s.needed = nethsm::KeyMechanism::kEdDsaSignature;
      return s;
  }
  return ckError(CKR_MECHANISM_INVALID, "unknown signature mechanism");
}

}  // namespace

Result<std::unique_ptr<Operation>> makeSignOperation(const MechanismSpec& spec,
                                                     const OperationContext& ctx) {
  auto setup = setupFor(spec, ctx);
  if (!setup) return setup.error();
  if (auto s = requireKeyMechanism(ctx.key, setup->needed); !s) return s.error();
  PkeyPtr verifyWith;
  if (ctx.key.verifySignatures) {
    auto key = publicKeyFromDer(ctx.key.publicKeyDer);
    if (!key) return key.error();
    verifyWith = std::move(*key);
  }
  std::unique_ptr<Operation> op =
      std::make_unique<SignOperation>(setup->scheme, spec.hash, ctx, std::move(verifyWith));
  return op;
}

Result<std::unique_ptr<Operation>> makeVerifyOperation(const MechanismSpec& spec,
                                                       const OperationContext& ctx) {
  auto setup = setupFor(spec, ctx);
  if (!setup) return setup.error();
  auto key = publicKeyFromDer(ctx.key.publicKeyDer);
  if (!key) return key.error();
  if (EVP_PKEY_get_base_id(key->get()) == EVP_PKEY_RSA) {
    setup->scheme.modulusBytes = rsaModulusBytes(key->get());
  }
  std::unique_ptr<Operation> op =
      std::make_unique<VerifyOperation>(setup->scheme, spec.hash, std::move(*key));
  return op;
}

}  // namespace p11nethsm::mech
