#pragma once
// Mechanism parameter checks, done at C_*Init so that callers such as
// `pkcs11-tool --test` see CKR_MECHANISM_PARAM_INVALID before any data moves
// (client-quirks.md). What the NetHSM can do decides what is accepted: PSS with MGF1
// of the same hash and salt = hash length, OAEP with MGF1 of the same hash and an
// empty label (BEHAVIOUR.md §6).
#include <span>

#include "mech/aes_block.hpp"
#include "mech/hash.hpp"

namespace p11nethsm::mech {

// CK_EDDSA_PARAMS of PKCS#11 3.0 §2.3.14 (p11-kit 0.24's header lacks it).
struct EddsaParams {
  CK_BBOOL phFlag;
  CK_ULONG ulContextDataLen;
  CK_BYTE_PTR pContextData;
};

// CKM_AES_GCM (PKCS#11 v2.40 §2.12.3 CK_GCM_PARAMS), copied out of the caller's memory.
struct GcmParams {
  Bytes iv;  // 1 byte or more; 12 bytes is the fast path (SP 800-38D §7.1)
  Bytes aad;
  size_t tagBytes;  // 12…16 (96…128 bits)
};
// CKM_AES_CTR (CK_AES_CTR_PARAMS).
struct CtrParams {
  AesBlock counterBlock;
  unsigned counterBits;  // 1…128, the low bits of counterBlock that count
};

// CKM_RSA_PKCS_PSS (`fixedHash` null) or CKM_SHA*_RSA_PKCS_PSS (hashAlg must match).
Result<const HashInfo*> checkPssParams(const CK_MECHANISM& mechanism, const HashInfo* fixedHash);
// CKM_RSA_PKCS_OAEP: the hash of OAEP and MGF1.
Result<const HashInfo*> checkOaepParams(const CK_MECHANISM& mechanism);
// CKM_AES_CBC(_PAD): the 16-byte IV.
Result<Bytes> checkIvParam(const CK_MECHANISM& mechanism);
// CKM_AES_GCM: the p11-kit/v3.0 layout with ulIvBits (ignored, as the spec says) or
// the original v2.40 layout without it, told apart by ulParameterLen.
Result<GcmParams> checkGcmParams(const CK_MECHANISM& mechanism);
Result<CtrParams> checkCtrParams(const CK_MECHANISM& mechanism);
// CKM_EDDSA: absent, or pure Ed25519 (phFlag false, no context).
Status checkEddsaParams(const CK_MECHANISM& mechanism);
// Mechanisms without parameters.
Status checkNoParams(const CK_MECHANISM& mechanism);

}  // namespace p11nethsm::mech
