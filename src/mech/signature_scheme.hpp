#pragma once
// The signature schemes at the level of "what goes to the appliance": PKCS#1 v1.5 on a
// DigestInfo, PSS on a digest, ECDSA on a digest, pure Ed25519 on a message. Sign
// operations feed them the appliance; verify operations check locally with OpenSSL.
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "mech/appliance.hpp"
#include "mech/ec_curve.hpp"
#include "mech/hash.hpp"

namespace p11nethsm::mech {

struct SignatureScheme {
  enum class Kind { kPkcs1, kPss, kEcdsa, kEddsa };
  Kind kind = Kind::kPkcs1;
  const HashInfo* pssHash = nullptr;  // kPss
  const CurveInfo* curve = nullptr;   // kEcdsa, kEddsa
  size_t modulusBytes = 0;            // kPkcs1, kPss

  // Exact signature length (PKCS#11 C_Sign size query, no network).
  size_t signatureLength() const;
  // CKR_DATA_LEN_RANGE when `input` cannot be signed with this scheme.
  Status checkInput(std::span<const uint8_t> input) const;
};

// Signs `input` (already checked) on the appliance and returns the PKCS#11 signature:
// firmware 3.0's PKCS1 quirk and the ECDSA input fitting/DER→r||s happen here. The
// answer is checked before it is believed (issue 12 §1): RSA signatures are exactly
// the modulus long, ECDSA ones canonical DER with r, s in [1, n − 1], Ed25519 ones
// 64 bytes. With `verifyWith` (the key's public key; slot option verify_signatures)
// the signature must also verify. CKR_DEVICE_ERROR otherwise.
Result<Bytes> applianceSign(const SignatureScheme& scheme, Appliance& appliance,
                            const std::string& keyId, const nethsm::Capabilities& caps,
                            std::span<const uint8_t> input, EVP_PKEY* verifyWith = nullptr);

// Verifies locally: CKR_SIGNATURE_LEN_RANGE for a signature of the wrong length,
// CKR_SIGNATURE_INVALID when it does not match.
Status localVerify(const SignatureScheme& scheme, EVP_PKEY* key, std::span<const uint8_t> input,
                   std::span<const uint8_t> signature);

}  // namespace p11nethsm::mech
