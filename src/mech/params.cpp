// Parameter checks of PKCS#11 v2.40 §2.1.8 (PSS), §2.1.14 (OAEP), §2.10 (AES-CBC),
// §2.11–2.12 (AES-CTR, AES-GCM) and PKCS#11 3.0 §2.3.14 (EdDSA). See params.hpp.
#include "mech/params.hpp"

#include <algorithm>
#include <iterator>
#include <string>

namespace p11nethsm::mech {
namespace {

constexpr size_t kAesBlock = 16;
// SP 800-38D §5.2.1.2: tags of 128, 120, 112, 104 or 96 bits (32 and 64 only under
// Appendix C's restrictions, not offered).
constexpr CK_ULONG kMinTagBits = 96;
constexpr CK_ULONG kMaxTagBits = 128;
// SP 800-38D §5.2.1.1: len(A) and len(IV) at most 2^64 - 1 bits.
constexpr CK_ULONG kMaxGcmInputBytes = (CK_ULONG{1} << 61) - 1;

// CK_GCM_PARAMS as the original v2.40 header declared it, before the errata added
// ulIvBits; some callers (older Java, NSS-era code) still pass this layout.
struct GcmParamsV240 {
  CK_BYTE_PTR pIv;
  CK_ULONG ulIvLen;
  CK_BYTE_PTR pAAD;
  CK_ULONG ulAADLen;
  CK_ULONG ulTagBits;
};
static_assert(sizeof(GcmParamsV240) != sizeof(CK_GCM_PARAMS));

Bytes copyOut(const CK_BYTE* p, CK_ULONG n) { return n == 0 ? Bytes{} : Bytes(p, p + n); }

Result<GcmParams> gcmFields(const CK_BYTE* iv, CK_ULONG ivLen, const CK_BYTE* aad, CK_ULONG aadLen,
                            CK_ULONG tagBits) {
  if (iv == nullptr || ivLen == 0 || ivLen > kMaxGcmInputBytes) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "CK_GCM_PARAMS needs an IV of 1 byte or more");
  }
  if ((aad == nullptr && aadLen != 0) || aadLen > kMaxGcmInputBytes) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "CK_GCM_PARAMS AAD length without data");
  }
  if (tagBits < kMinTagBits || tagBits > kMaxTagBits || tagBits % 8 != 0) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "GCM tags are 96, 104, 112, 120 or 128 bits");
  }
  return GcmParams{copyOut(iv, ivLen), copyOut(aad, aadLen), static_cast<size_t>(tagBits / 8)};
}

template <class T>
Result<const T*> paramsAs(const CK_MECHANISM& m, const char* name) {
  if (m.pParameter == nullptr || m.ulParameterLen != sizeof(T)) {
    return ckError(CKR_MECHANISM_PARAM_INVALID,
                   std::string(name) + " parameter missing or of wrong size");
  }
  return static_cast<const T*>(m.pParameter);
}

}  // namespace

Result<const HashInfo*> checkPssParams(const CK_MECHANISM& mechanism, const HashInfo* fixedHash) {
  auto p = paramsAs<CK_RSA_PKCS_PSS_PARAMS>(mechanism, "CK_RSA_PKCS_PSS_PARAMS");
  if (!p) return p.error();
  const CK_RSA_PKCS_PSS_PARAMS& pss = **p;
  const HashInfo* hash = hashByMechanism(pss.hashAlg);
  if (hash == nullptr || hash->mgf == 0) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "PSS hashAlg not offered");
  }
  if (fixedHash != nullptr && hash != fixedHash) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "PSS hashAlg differs from the mechanism's hash");
  }
  // The NetHSM's PSS_<H> uses MGF1 with H and a salt as long as H.
  if (pss.mgf != hash->mgf) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "PSS MGF1 hash must equal hashAlg on the NetHSM");
  }
  if (pss.sLen != hash->length) {
    return ckError(CKR_MECHANISM_PARAM_INVALID,
                   "PSS salt length must equal the hash length on the NetHSM");
  }
  return hash;
}

Result<const HashInfo*> checkOaepParams(const CK_MECHANISM& mechanism) {
  auto p = paramsAs<CK_RSA_PKCS_OAEP_PARAMS>(mechanism, "CK_RSA_PKCS_OAEP_PARAMS");
  if (!p) return p.error();
  const CK_RSA_PKCS_OAEP_PARAMS& oaep = **p;
  const HashInfo* hash = hashByMechanism(oaep.hashAlg);
  if (hash == nullptr || hash->mgf == 0) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "OAEP hashAlg not offered");
  }
  if (oaep.mgf != hash->mgf) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "OAEP MGF1 hash must equal hashAlg on the NetHSM");
  }
  // The NetHSM uses an empty label; source 0 with no data is accepted as "no label".
  bool sourceOk = oaep.source == CKZ_DATA_SPECIFIED || oaep.source == 0;
  if (!sourceOk || oaep.ulSourceDataLen != 0) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "OAEP label (source data) must be empty");
  }
  return hash;
}

Result<Bytes> checkIvParam(const CK_MECHANISM& mechanism) {
  if (mechanism.pParameter == nullptr || mechanism.ulParameterLen != kAesBlock) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "AES-CBC needs a 16-byte IV parameter");
  }
  const auto* iv = static_cast<const uint8_t*>(mechanism.pParameter);
  return Bytes(iv, iv + kAesBlock);
}

Result<GcmParams> checkGcmParams(const CK_MECHANISM& mechanism) {
  if (mechanism.pParameter != nullptr && mechanism.ulParameterLen == sizeof(GcmParamsV240)) {
    const auto& p = *static_cast<const GcmParamsV240*>(mechanism.pParameter);
    return gcmFields(p.pIv, p.ulIvLen, p.pAAD, p.ulAADLen, p.ulTagBits);
  }
  auto p = paramsAs<CK_GCM_PARAMS>(mechanism, "CK_GCM_PARAMS");
  if (!p) return p.error();
  const CK_GCM_PARAMS& gcm = **p;
  return gcmFields(gcm.pIv, gcm.ulIvLen, gcm.pAAD, gcm.ulAADLen, gcm.ulTagBits);
}

Result<CtrParams> checkCtrParams(const CK_MECHANISM& mechanism) {
  auto p = paramsAs<CK_AES_CTR_PARAMS>(mechanism, "CK_AES_CTR_PARAMS");
  if (!p) return p.error();
  const CK_AES_CTR_PARAMS& ctr = **p;
  if (ctr.ulCounterBits == 0 || ctr.ulCounterBits > kAesBlock * 8) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "CK_AES_CTR_PARAMS counter bits must be 1 to 128");
  }
  CtrParams out{};
  std::copy(std::begin(ctr.cb), std::end(ctr.cb), out.counterBlock.begin());
  out.counterBits = static_cast<unsigned>(ctr.ulCounterBits);
  return out;
}

Status checkEddsaParams(const CK_MECHANISM& mechanism) {
  if (mechanism.pParameter == nullptr) {
    if (mechanism.ulParameterLen != 0) {
      return ckError(CKR_MECHANISM_PARAM_INVALID, "CKM_EDDSA parameter length without data");
    }
    return okStatus();
  }
  auto p = paramsAs<EddsaParams>(mechanism, "CK_EDDSA_PARAMS");
  if (!p) return p.error();
  // The appliance signs pure Ed25519 only (RFC 8032 §5.1): no Ed25519ph, no context.
  if ((*p)->phFlag != CK_FALSE) {
    return ckError(CKR_MECHANISM_PARAM_INVALID,
                   "Ed25519ph (pre-hash) is not offered by the NetHSM");
  }
  if ((*p)->ulContextDataLen != 0) {
    return ckError(CKR_MECHANISM_PARAM_INVALID,
                   "Ed25519ctx (context data) is not offered by the NetHSM");
  }
  return okStatus();
}

Status checkNoParams(const CK_MECHANISM& mechanism) {
  // A non-null pointer with length 0 is what some Java and C callers pass for "none".
  if (mechanism.ulParameterLen != 0) {
    return ckError(CKR_MECHANISM_PARAM_INVALID, "this mechanism takes no parameter");
  }
  return okStatus();
}

}  // namespace p11nethsm::mech
