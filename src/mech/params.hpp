#pragma once
// Mechanism parameter checks, done at C_*Init so that callers such as
// `pkcs11-tool --test` see CKR_MECHANISM_PARAM_INVALID before any data moves
// (client-quirks.md). What the NetHSM can do decides what is accepted: PSS with MGF1
// of the same hash and salt = hash length, OAEP with MGF1 of the same hash and an
// empty label (BEHAVIOUR.md §6).
#include <span>

#include "mech/hash.hpp"

namespace p11nethsm::mech {

// CK_EDDSA_PARAMS of PKCS#11 3.0 §2.3.14 (p11-kit 0.24's header lacks it).
struct EddsaParams {
  CK_BBOOL phFlag;
  CK_ULONG ulContextDataLen;
  CK_BYTE_PTR pContextData;
};

// CKM_RSA_PKCS_PSS (`fixedHash` null) or CKM_SHA*_RSA_PKCS_PSS (hashAlg must match).
Result<const HashInfo*> checkPssParams(const CK_MECHANISM& mechanism,
                                       const HashInfo* fixedHash);
// CKM_RSA_PKCS_OAEP: the hash of OAEP and MGF1.
Result<const HashInfo*> checkOaepParams(const CK_MECHANISM& mechanism);
// CKM_AES_CBC(_PAD): the 16-byte IV.
Result<Bytes> checkIvParam(const CK_MECHANISM& mechanism);
// CKM_EDDSA: absent, or pure Ed25519 (phFlag false, no context).
Status checkEddsaParams(const CK_MECHANISM& mechanism);
// Mechanisms without parameters.
Status checkNoParams(const CK_MECHANISM& mechanism);

}  // namespace p11nethsm::mech
