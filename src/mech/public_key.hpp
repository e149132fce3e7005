#pragma once
// Public keys: NetHSM key data (GET /keys/{id} "public") → the PKCS#11 attributes core
// reports (CKA_PUBLIC_KEY_INFO = SubjectPublicKeyInfo DER, CKA_EC_PARAMS, CKA_EC_POINT,
// CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_MODULUS_BITS) and SPKI DER → EVP_PKEY for the
// local operations (verify, RSA encrypt). Built with EVP_PKEY_fromdata, never by hand.
#include <span>

#include "mech/ossl.hpp"
#include "nethsm/types.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::mech {

struct PublicKeyAttributes {
  Bytes spkiDer;         // CKA_PUBLIC_KEY_INFO; also KeyView::publicKeyDer
  unsigned bits = 0;     // RSA modulus bits / curve bits (KeyView::bits)
  Bytes modulus;         // RSA: CKA_MODULUS (big-endian, no leading zero)
  Bytes publicExponent;  // RSA: CKA_PUBLIC_EXPONENT
  Bytes ecParams;        // EC/Ed25519: CKA_EC_PARAMS (DER OID)
  Bytes ecPoint;         // EC/Ed25519: CKA_EC_POINT (DER OCTET STRING of the point)
};

// For RSA, EC and Curve25519 keys; Generic keys have no public part
// (CKR_KEY_TYPE_INCONSISTENT).
Result<PublicKeyAttributes> publicKeyAttributes(nethsm::KeyType type,
                                                const nethsm::PublicKeyData& data);
inline Result<PublicKeyAttributes> publicKeyAttributes(const nethsm::KeyInfo& key) {
  return publicKeyAttributes(key.type, key.publicKey);
}

// NetHSM public data → EVP_PKEY.
Result<PkeyPtr> publicKeyFromNetHsm(nethsm::KeyType type, const nethsm::PublicKeyData& data);
// SubjectPublicKeyInfo DER → EVP_PKEY / back.
Result<PkeyPtr> publicKeyFromDer(std::span<const uint8_t> spkiDer);
Result<Bytes> publicKeyToDer(EVP_PKEY* key);

// A CKO_PUBLIC_KEY template (C_CreateObject): RSA CKA_MODULUS + CKA_PUBLIC_EXPONENT,
// EC/Edwards CKA_EC_PARAMS + CKA_EC_POINT (DER OCTET STRING or bare point) → the key
// type and attributes, with spkiDer usable as KeyView::publicKeyDer for local
// C_Verify / C_Encrypt. CKR_TEMPLATE_INCOMPLETE / CKR_ATTRIBUTE_VALUE_INVALID /
// CKR_CURVE_NOT_SUPPORTED otherwise. (public_key_template.cpp)
struct PublicKeyFromTemplate {
  nethsm::KeyType type = nethsm::KeyType::kRsa;
  PublicKeyAttributes attributes;
};
Result<PublicKeyFromTemplate> publicKeyFromTemplate(std::span<const CK_ATTRIBUTE> keyTemplate);

// Bytes of the RSA modulus of `key` (k in RFC 8017).
size_t rsaModulusBytes(const EVP_PKEY* key);

// --- sanity checks (public_key_checks.cpp); failures are CKR_DEVICE_ERROR.
// RSA moduli the module represents. The floor: the NetHSM generates 1024–8192 bits
// (BEHAVIOUR.md §5) and a smaller key proves nothing; the ceiling bounds every size
// derived from a key (signature and answer lengths) with room above the appliance's.
inline constexpr unsigned kMinRsaBits = 1024;
inline constexpr unsigned kMaxRsaBits = 16384;
// Modulus kMinRsaBits..kMaxRsaBits and odd; exponent odd, > 1 and < the modulus.
Status checkRsaNumbers(std::span<const uint8_t> modulus, std::span<const uint8_t> exponent);
struct CurveInfo;
// A point of `curve` as 04‖X‖Y: uncompressed as is (checked on the curve when the
// EVP_PKEY is made), compressed decoded; anything else refused.
Result<Bytes> uncompressedPoint(const CurveInfo& curve, std::span<const uint8_t> point);

}  // namespace p11nethsm::mech
