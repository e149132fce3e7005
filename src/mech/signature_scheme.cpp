// Signature schemes (see signature_scheme.hpp). NetHSM rules: BEHAVIOUR.md §6 "Sign".
#include "mech/signature_scheme.hpp"

#include <openssl/rsa.h>

namespace p11nethsm::mech {
namespace {

using Kind = SignatureScheme::Kind;

constexpr size_t kEd25519SignatureBytes = 64;
constexpr size_t kPkcs1Overhead = 11;  // RFC 8017 §9.2 step 3: emLen ≥ tLen + 11

// Firmware 3.0 (only) added the DigestInfo itself and wanted a bare hash; 3.1
// reverted it (BEHAVIOUR.md §6 "PKCS1"; Capabilities::pkcs1SignsBareHash).
Result<Bytes> pkcs1Payload(std::span<const uint8_t> input, const nethsm::Capabilities& caps) {
  if (!caps.pkcs1SignsBareHash) return Bytes(input.begin(), input.end());
  auto hash = stripDigestInfo(input);
  if (!hash) {
    return ckError(CKR_DATA_INVALID,
                   "NetHSM firmware 3.0 signs PKCS#1 only over a DigestInfo of MD5/SHA-1/SHA-2");
  }
  return std::move(*hash);
}

Status verifyRsa(const SignatureScheme& scheme, EVP_PKEY* key, std::span<const uint8_t> input,
                 std::span<const uint8_t> signature) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return osslError("EVP_PKEY_verify_init");
  if (scheme.kind == Kind::kPkcs1) {
    // No signature digest set: OpenSSL compares the recovered block with `input`,
    // which is the DigestInfo (CKM_RSA_PKCS semantics).
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
      return osslError("RSA padding");
    }
  } else {
    const EVP_MD* md = evpMd(scheme.pssHash->alg);
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), static_cast<int>(scheme.pssHash->length)) !=
            1) {
      return osslError("RSA-PSS parameters");
    }
  }
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), input.data(), input.size()) !=
      1) {
    return ckError(CKR_SIGNATURE_INVALID, "signature does not verify");
  }
  return okStatus();
}

Status verifyEcdsa(const SignatureScheme& scheme, EVP_PKEY* key, std::span<const uint8_t> input,
                   std::span<const uint8_t> signature) {
  auto der = ecdsaRawToDer(signature);
  if (!der) return der.error();
  Bytes digest = fitEcdsaInput(input, scheme.curve->ecdsaDigestLength);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return osslError("EVP_PKEY_verify_init");
  if (EVP_PKEY_verify(ctx.get(), der->data(), der->size(), digest.data(), digest.size()) != 1) {
    return ckError(CKR_SIGNATURE_INVALID, "signature does not verify");
  }
  return okStatus();
}

Status verifyEddsa(EVP_PKEY* key, std::span<const uint8_t> input,
                   std::span<const uint8_t> signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    return osslError("EVP_DigestVerifyInit");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), input.data(), input.size()) !=
      1) {
    return ckError(CKR_SIGNATURE_INVALID, "signature does not verify");
  }
  return okStatus();
}

}  // namespace

size_t SignatureScheme::signatureLength() const {
  switch (kind) {
    case Kind::kPkcs1:
    case Kind::kPss:
      return modulusBytes;
    case Kind::kEcdsa:
      return 2 * curve->fieldBytes;
    case Kind::kEddsa:
      return kEd25519SignatureBytes;
  }
  return 0;
}

Status SignatureScheme::checkInput(std::span<const uint8_t> input) const {
  bool ok = true;
  switch (kind) {
    case Kind::kPkcs1:
      ok = input.size() + kPkcs1Overhead <= modulusBytes;
      break;
    case Kind::kPss:
      ok = input.size() == pssHash->length;
      break;
    case Kind::kEcdsa:
      ok = !input.empty();
      break;
    case Kind::kEddsa:
      break;
  }
  if (!ok) return ckError(CKR_DATA_LEN_RANGE, "input length does not fit the mechanism");
  return okStatus();
}

namespace {

Result<Bytes> askAppliance(const SignatureScheme& scheme, Appliance& appliance,
                           const std::string& keyId, const nethsm::Capabilities& caps,
                           std::span<const uint8_t> input) {
  switch (scheme.kind) {
    case Kind::kPkcs1: {
      auto payload = pkcs1Payload(input, caps);
      if (!payload) return payload.error();
      return appliance.sign(keyId, nethsm::SignMode::kPkcs1, *payload);
    }
    case Kind::kPss:
      return appliance.sign(keyId, scheme.pssHash->pssMode, Bytes(input.begin(), input.end()));
    case Kind::kEcdsa: {
      Bytes digest = fitEcdsaInput(input, scheme.curve->ecdsaDigestLength);
      auto der = appliance.sign(keyId, nethsm::SignMode::kEcdsa, digest);
      if (!der) return der.error();
      auto raw = ecdsaDerToRaw(*der, scheme.curve->fieldBytes);
      if (!raw) return raw;
      if (auto s = checkEcdsaRange(*scheme.curve, *raw); !s) return s.error();
      return raw;
    }
    case Kind::kEddsa:
      return appliance.sign(keyId, nethsm::SignMode::kEdDsa, Bytes(input.begin(), input.end()));
  }
  return ckError(CKR_GENERAL_ERROR, "unknown signature scheme");
}

}  // namespace

Result<Bytes> applianceSign(const SignatureScheme& scheme, Appliance& appliance,
                            const std::string& keyId, const nethsm::Capabilities& caps,
                            std::span<const uint8_t> input, EVP_PKEY* verifyWith) {
  auto sig = askAppliance(scheme, appliance, keyId, caps, input);
  if (!sig) return sig;
  if (sig->size() != scheme.signatureLength()) {
    return ckError(CKR_DEVICE_ERROR, "the appliance returned a signature of " +
                                         std::to_string(sig->size()) + " bytes; the key makes " +
                                         std::to_string(scheme.signatureLength()));
  }
  if (verifyWith != nullptr && !localVerify(scheme, verifyWith, input, *sig)) {
    return ckError(CKR_DEVICE_ERROR,
                   "the appliance returned a signature that does not verify with the key's "
                   "public key (verify_signatures)");
  }
  return sig;
}

Status localVerify(const SignatureScheme& scheme, EVP_PKEY* key, std::span<const uint8_t> input,
                   std::span<const uint8_t> signature) {
  if (signature.size() != scheme.signatureLength()) {
    return ckError(CKR_SIGNATURE_LEN_RANGE, "signature length does not match the key");
  }
  if (auto s = scheme.checkInput(input); !s) return s;
  switch (scheme.kind) {
    case Kind::kPkcs1:
    case Kind::kPss:
      return verifyRsa(scheme, key, input, signature);
    case Kind::kEcdsa:
      return verifyEcdsa(scheme, key, input, signature);
    case Kind::kEddsa:
      return verifyEddsa(key, input, signature);
  }
  return ckError(CKR_GENERAL_ERROR, "unknown signature scheme");
}

}  // namespace p11nethsm::mech
