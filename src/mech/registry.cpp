// The mechanism registry (DESIGN.md mech/): one table row per CKM with its
// C_GetMechanismInfo data and operation factories; no per-mechanism switch elsewhere.
// Flags tell the truth (PKCS#11 v2.40 §5.5): CKF_HW where the appliance does the
// private-key work, CKF_VERIFY/ENCRYPT for the local public-key half, CKF_DIGEST for
// local hashes (no CKF_HW). Wrapping, derivation and everything the NetHSM cannot do
// are absent, not faked.
#include "mech/registry.hpp"

#include <algorithm>
#include <array>

#include "mech/ec_curve.hpp"
#include "mech/mechanism_spec.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::mech {
namespace {

using Kind = SignatureScheme::Kind;

constexpr CK_ULONG kRsaMinBits = 1024;
constexpr CK_ULONG kRsaMaxBits = 8192;
constexpr CK_ULONG kAesMinBytes = 16;
constexpr CK_ULONG kAesMaxBytes = 32;
constexpr CK_ULONG kGenericMinBits = 128;  // POST /keys/generate, type Generic
constexpr CK_ULONG kGenericMaxBits = 8192;
constexpr CK_ULONG kEd25519Bits = 256;
constexpr CK_FLAGS kEcFlags = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
constexpr CK_FLAGS kSignVerify = CKF_HW | CKF_SIGN | CKF_VERIFY;
constexpr CK_FLAGS kCrypt = CKF_HW | CKF_ENCRYPT | CKF_DECRYPT;

constexpr std::optional<HashAlg> kNoHash = std::nullopt;

constexpr MechanismSpec rsaSig(CK_MECHANISM_TYPE t, std::optional<HashAlg> h, Kind k) {
  return {t,     kRsaMinBits,       kRsaMaxBits,         kSignVerify, KeyFamily::kRsa, h,      k,
          false, makeSignOperation, makeVerifyOperation, nullptr,     nullptr,         nullptr};
}
constexpr MechanismSpec rsaCrypt(CK_MECHANISM_TYPE t) {
  return {t,     kRsaMinBits, kRsaMaxBits, kCrypt,         KeyFamily::kRsa, kNoHash, Kind::kPkcs1,
          false, nullptr,     nullptr,     makeRsaEncrypt, makeRsaDecrypt,  nullptr};
}
// EC key sizes are filled in per firmware (its curves) by mechanismsFor().
constexpr MechanismSpec ecdsa(CK_MECHANISM_TYPE t, std::optional<HashAlg> h) {
  return {t,
          0,
          0,
          kSignVerify | kEcFlags,
          KeyFamily::kEc,
          h,
          Kind::kEcdsa,
          false,
          makeSignOperation,
          makeVerifyOperation,
          nullptr,
          nullptr,
          nullptr};
}
constexpr MechanismSpec aesCbc(CK_MECHANISM_TYPE t, bool pad) {
  return {t,   kAesMinBytes, kAesMaxBytes, kCrypt,         KeyFamily::kAes, kNoHash, Kind::kPkcs1,
          pad, nullptr,      nullptr,      makeAesEncrypt, makeAesDecrypt,  nullptr};
}
// GCM, CTR and ECB on the appliance's AES-CBC (aes_block.hpp): the appliance does every
// block of the key's work, hence CKF_HW.
constexpr MechanismSpec aesMode(CK_MECHANISM_TYPE t, OperationFactory enc, OperationFactory dec) {
  return {t,       kAesMinBytes, kAesMaxBytes, kCrypt,  KeyFamily::kAes,
          kNoHash, Kind::kPkcs1, false,        nullptr, nullptr,
          enc,     dec,          nullptr};
}
constexpr MechanismSpec keyGen(CK_MECHANISM_TYPE t, CK_ULONG lo, CK_ULONG hi, CK_FLAGS f,
                               KeyFamily family) {
  return {t,     lo,      hi,      CKF_HW | f, family,  kNoHash, Kind::kPkcs1,
          false, nullptr, nullptr, nullptr,    nullptr, nullptr};
}
constexpr MechanismSpec digest(CK_MECHANISM_TYPE t, HashAlg h) {
  return {t,     0,       0,       CKF_DIGEST, KeyFamily::kNone, h,         Kind::kPkcs1,
          false, nullptr, nullptr, nullptr,    nullptr,          makeDigest};
}

constexpr std::array kRegistry{
    keyGen(CKM_RSA_PKCS_KEY_PAIR_GEN, kRsaMinBits, kRsaMaxBits, CKF_GENERATE_KEY_PAIR,
           KeyFamily::kRsa),
    MechanismSpec{CKM_RSA_PKCS, kRsaMinBits, kRsaMaxBits, kSignVerify | kCrypt, KeyFamily::kRsa,
                  kNoHash, Kind::kPkcs1, false, makeSignOperation, makeVerifyOperation,
                  makeRsaEncrypt, makeRsaDecrypt, nullptr},
    rsaCrypt(CKM_RSA_X_509),
    rsaCrypt(CKM_RSA_PKCS_OAEP),
    rsaSig(CKM_SHA1_RSA_PKCS, HashAlg::kSha1, Kind::kPkcs1),
    rsaSig(CKM_SHA224_RSA_PKCS, HashAlg::kSha224, Kind::kPkcs1),
    rsaSig(CKM_SHA256_RSA_PKCS, HashAlg::kSha256, Kind::kPkcs1),
    rsaSig(CKM_SHA384_RSA_PKCS, HashAlg::kSha384, Kind::kPkcs1),
    rsaSig(CKM_SHA512_RSA_PKCS, HashAlg::kSha512, Kind::kPkcs1),
    rsaSig(CKM_RSA_PKCS_PSS, kNoHash, Kind::kPss),
    rsaSig(CKM_SHA1_RSA_PKCS_PSS, HashAlg::kSha1, Kind::kPss),
    rsaSig(CKM_SHA224_RSA_PKCS_PSS, HashAlg::kSha224, Kind::kPss),
    rsaSig(CKM_SHA256_RSA_PKCS_PSS, HashAlg::kSha256, Kind::kPss),
    rsaSig(CKM_SHA384_RSA_PKCS_PSS, HashAlg::kSha384, Kind::kPss),
    rsaSig(CKM_SHA512_RSA_PKCS_PSS, HashAlg::kSha512, Kind::kPss),
    keyGen(CKM_EC_KEY_PAIR_GEN, 0, 0, CKF_GENERATE_KEY_PAIR | kEcFlags, KeyFamily::kEc),
    ecdsa(CKM_ECDSA, kNoHash),
    ecdsa(CKM_ECDSA_SHA1, HashAlg::kSha1),
    ecdsa(CKM_ECDSA_SHA224, HashAlg::kSha224),
    ecdsa(CKM_ECDSA_SHA256, HashAlg::kSha256),
    ecdsa(CKM_ECDSA_SHA384, HashAlg::kSha384),
    ecdsa(CKM_ECDSA_SHA512, HashAlg::kSha512),
    keyGen(CKM_EC_EDWARDS_KEY_PAIR_GEN, kEd25519Bits, kEd25519Bits, CKF_GENERATE_KEY_PAIR,
           KeyFamily::kEdwards),
    MechanismSpec{CKM_EDDSA, kEd25519Bits, kEd25519Bits, kSignVerify, KeyFamily::kEdwards, kNoHash,
                  Kind::kEddsa, false, makeSignOperation, makeVerifyOperation, nullptr, nullptr,
                  nullptr},
    keyGen(CKM_AES_KEY_GEN, kAesMinBytes, kAesMaxBytes, CKF_GENERATE, KeyFamily::kAes),
    aesCbc(CKM_AES_CBC, false),
    aesCbc(CKM_AES_CBC_PAD, true),
    aesMode(CKM_AES_ECB, makeAesEcbEncrypt, makeAesEcbDecrypt),
    aesMode(CKM_AES_CTR, makeAesCtrEncrypt, makeAesCtrDecrypt),
    aesMode(CKM_AES_GCM, makeAesGcmEncrypt, makeAesGcmDecrypt),
    keyGen(CKM_GENERIC_SECRET_KEY_GEN, kGenericMinBits, kGenericMaxBits, CKF_GENERATE,
           KeyFamily::kAes),
    digest(CKM_MD5, HashAlg::kMd5),
    digest(CKM_SHA_1, HashAlg::kSha1),
    digest(CKM_SHA224, HashAlg::kSha224),
    digest(CKM_SHA256, HashAlg::kSha256),
    digest(CKM_SHA384, HashAlg::kSha384),
    digest(CKM_SHA512, HashAlg::kSha512),
};

const MechanismSpec* findSpec(CK_MECHANISM_TYPE type) {
  for (const auto& spec : kRegistry) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

// Smallest and largest Weierstrass curve the firmware offers (capabilities.hpp).
std::pair<CK_ULONG, CK_ULONG> ecKeySizes(const nethsm::Capabilities& caps) {
  CK_ULONG lo = ~CK_ULONG{0};
  CK_ULONG hi = 0;
  for (const auto& c : allCurves()) {
    if (c.edwards || !curveAvailable(c, caps)) continue;
    lo = std::min<CK_ULONG>(lo, c.bits);
    hi = std::max<CK_ULONG>(hi, c.bits);
  }
  return {lo, hi};
}

bool familyMatches(KeyFamily family, nethsm::KeyType type) {
  const CurveInfo* curve = curveForKeyType(type);
  switch (family) {
    case KeyFamily::kNone:
      return true;
    case KeyFamily::kRsa:
      return type == nethsm::KeyType::kRsa;
    case KeyFamily::kEc:
      return curve != nullptr && !curve->edwards;
    case KeyFamily::kEdwards:
      return curve != nullptr && curve->edwards;
    case KeyFamily::kAes:
      return type == nethsm::KeyType::kGeneric;
  }
  return false;
}

OperationFactory factoryFor(const MechanismSpec& spec, OperationKind kind) {
  switch (kind) {
    case OperationKind::kSign:
      return spec.sign;
    case OperationKind::kVerify:
      return spec.verify;
    case OperationKind::kEncrypt:
      return spec.encrypt;
    case OperationKind::kDecrypt:
      return spec.decrypt;
    case OperationKind::kDigest:
      return spec.digest;
  }
  return nullptr;
}

}  // namespace

Status requireKeyMechanism(const KeyView& key, nethsm::KeyMechanism needed) {
  if (std::find(key.mechanisms.begin(), key.mechanisms.end(), needed) == key.mechanisms.end()) {
    return ckError(CKR_KEY_FUNCTION_NOT_PERMITTED, "the key's NetHSM mechanisms do not include " +
                                                       std::string(nethsm::toString(needed)));
  }
  return okStatus();
}

std::vector<MechanismEntry> mechanismsFor(const nethsm::Capabilities& caps) {
  std::vector<MechanismEntry> out;
  auto [ecMin, ecMax] = ecKeySizes(caps);
  for (const auto& spec : kRegistry) {
    MechanismEntry e{spec.type, {spec.minKeySize, spec.maxKeySize, spec.flags}};
    if (spec.family == KeyFamily::kEc) {
      e.info.ulMinKeySize = ecMin;
      e.info.ulMaxKeySize = ecMax;
    }
    out.push_back(e);
  }
  return out;
}

Result<std::unique_ptr<Operation>> createOperationWith(OperationKind kind,
                                                       const CK_MECHANISM& mechanism,
                                                       const KeyView& key,
                                                       std::shared_ptr<Appliance> appliance,
                                                       const nethsm::Capabilities& caps) {
  const MechanismSpec* spec = findSpec(mechanism.mechanism);
  if (spec == nullptr) {
    return ckError(CKR_MECHANISM_INVALID, "mechanism not offered");
  }
  OperationFactory factory = factoryFor(*spec, kind);
  if (factory == nullptr) {
    return ckError(CKR_MECHANISM_INVALID, "mechanism does not offer this operation");
  }
  if (!familyMatches(spec->family, key.type)) {
    return ckError(CKR_KEY_TYPE_INCONSISTENT, "key type does not fit the mechanism");
  }
  // Sizes come from the public key when core did not fill KeyView::bits.
  KeyView sized = key;
  if (sized.bits == 0 && !sized.publicKeyDer.empty()) {
    auto pkey = publicKeyFromDer(sized.publicKeyDer);
    const CurveInfo* curve = curveForKeyType(sized.type);
    if (pkey)
      sized.bits = curve ? curve->bits : static_cast<unsigned>(EVP_PKEY_get_bits(pkey->get()));
  }
  OperationContext ctx{mechanism, sized, std::move(appliance), caps};
  return factory(*spec, ctx);
}

}  // namespace p11nethsm::mech
