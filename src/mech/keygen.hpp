#pragma once
// Key generation and import templates → NetHSM requests (DESIGN.md mech/,
// "key-generation templates"). The ID (CKA_ID/CKA_LABEL → NetHSM ID) and the key
// label are core's job: these functions leave `id` and `label` empty; core sets them
// (id_codec, key_label).
#include <span>

#include "nethsm/capabilities.hpp"
#include "nethsm/types.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/result.hpp"

namespace p11nethsm::mech {

// C_GenerateKeyPair: CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_EC_KEY_PAIR_GEN,
// CKM_EC_EDWARDS_KEY_PAIR_GEN. Granted NetHSM mechanisms follow CKA_SIGN/CKA_DECRYPT
// (least privilege; all of the type's when the templates say nothing). Template
// errors carry CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_VALUE_INVALID /
// CKR_MECHANISM_INVALID etc. in Error::pkcs11Rv.
Result<nethsm::GenerateKeyRequest> keyPairGenerateRequest(
    const CK_MECHANISM& mechanism, std::span<const CK_ATTRIBUTE> publicTemplate,
    std::span<const CK_ATTRIBUTE> privateTemplate, const nethsm::Capabilities& caps);

// C_GenerateKey: CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN (the same on every
// firmware).
Result<nethsm::GenerateKeyRequest> secretKeyGenerateRequest(
    const CK_MECHANISM& mechanism, std::span<const CK_ATTRIBUTE> keyTemplate);

// C_CreateObject of a private or secret key (RSA primes, EC/Ed25519 CKA_VALUE +
// CKA_EC_PARAMS, AES CKA_VALUE).
Result<nethsm::ImportKeyRequest> keyImportRequest(std::span<const CK_ATTRIBUTE> keyTemplate,
                                                  const nethsm::Capabilities& caps);

}  // namespace p11nethsm::mech
