#pragma once
// The elliptic curves of the NetHSM key types (BEHAVIOUR.md §5) and the DER pieces
// PKCS#11 uses for them: CKA_EC_PARAMS (DER OID, or a PrintableString curve name as
// pkcs11-tool sends for `edwards25519`), ECDSA signatures (DER ↔ r||s, PKCS#11 v2.40
// §2.3.1) and the digest size the appliance pairs with each curve (§6 "ECDSA").
#include <cstddef>
#include <cstdint>
#include <span>

#include "mech/ossl.hpp"
#include "nethsm/capabilities.hpp"
#include "nethsm/types.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::mech {

struct CurveInfo {
  nethsm::KeyType type;
  int nid;                   // OpenSSL NID (NID_X9_62_prime256v1, NID_ED25519, ...)
  const char* groupName;     // OpenSSL group name for EVP_PKEY_fromdata; "" for Ed25519
  unsigned bits;             // CK_MECHANISM_INFO / KeyView::bits
  size_t fieldBytes;         // width of a coordinate, of r and of s
  size_t ecdsaDigestLength;  // exact input length the appliance requires; 0 for EdDSA
  bool edwards;
};

// nullptr for non-EC key types.
const CurveInfo* curveForKeyType(nethsm::KeyType type);
// Every curve of the table (P-224 included; filter with curveAvailable).
std::span<const CurveInfo> allCurves();
// The firmware offers the curve (Capabilities::offersKeyType).
bool curveAvailable(const CurveInfo& curve, const nethsm::Capabilities& caps);

// CKA_EC_PARAMS → curve. Accepts a DER OBJECT IDENTIFIER or a DER PrintableString
// curve name (edwards25519, ed25519, prime256v1, secp384r1, P-521, brainpoolP256r1…).
// Unknown or malformed → CKR_CURVE_NOT_SUPPORTED / CKR_ATTRIBUTE_VALUE_INVALID.
Result<const CurveInfo*> curveFromEcParams(std::span<const uint8_t> ecParams);
// The DER OID that CKA_EC_PARAMS reports for `curve`.
Result<Bytes> ecParamsDer(const CurveInfo& curve);

// DER OCTET STRING wrapping `point` (CKA_EC_POINT, PKCS#11 v2.40 §2.3.3).
Result<Bytes> octetStringDer(std::span<const uint8_t> point);

// ECDSA-Sig-Value DER → r||s, each left-padded to `fieldBytes` (PKCS#11 v2.40 §2.3.1).
// Only canonical DER with nothing after it (CKR_DEVICE_ERROR otherwise).
Result<Bytes> ecdsaDerToRaw(std::span<const uint8_t> der, size_t fieldBytes);
// SEC 1 §4.1.4 step 1: r and s of a signature by a key of `curve` lie in [1, n − 1]
// (r = s = 0 "verifies" nothing). `raw` is r||s. CKR_DEVICE_ERROR otherwise.
Status checkEcdsaRange(const CurveInfo& curve, std::span<const uint8_t> raw);
// r||s → ECDSA-Sig-Value DER (for local verification with OpenSSL).
Result<Bytes> ecdsaRawToDer(std::span<const uint8_t> raw);

// Fits a CKM_ECDSA input to `length` bytes as the appliance needs: shorter input is
// left-padded with zeros (same integer), longer input keeps its leftmost bytes (the
// bits ECDSA uses, FIPS 186-4 §6.4).
Bytes fitEcdsaInput(std::span<const uint8_t> input, size_t length);

}  // namespace p11nethsm::mech
