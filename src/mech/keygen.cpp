// C_GenerateKeyPair / C_GenerateKey templates → POST /keys/generate requests
// (PKCS#11 v2.40 §2.1.4 RSA, §2.3.5 EC, PKCS#11 3.0 §2.3.6 Edwards, v2.40 §2.10.3 AES,
// §2.36 generic secret; NetHSM: BEHAVIOUR.md §5 "POST /keys/generate").
#include "mech/keygen.hpp"

#include "mech/key_usage.hpp"
#include "mech/params.hpp"

namespace p11nethsm::mech {
namespace {

using nethsm::KeyType;

constexpr CK_ULONG kRsaMinBits = 1024;
constexpr CK_ULONG kRsaMaxBits = 8192;
const Bytes kF4 = {0x01, 0x00, 0x01};

// The public template wins for public parameters; the private one may carry them too.
std::optional<Bytes> publicParameter(const TemplateReader& pub, const TemplateReader& priv,
                                     CK_ATTRIBUTE_TYPE type) {
  if (auto v = pub.bytes(type)) return v;
  return priv.bytes(type);
}

Status rsaParameters(const TemplateReader& pub, const TemplateReader& priv,
                     nethsm::GenerateKeyRequest& req) {
  auto bits = pub.ulong(CKA_MODULUS_BITS);
  if (!bits) return bits.error();
  if (!bits->has_value()) {
    return ckError(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS is required for RSA");
  }
  if (**bits < kRsaMinBits || **bits > kRsaMaxBits) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "the NetHSM makes RSA keys of 1024 to 8192 bits");
  }
  // The appliance always generates with e = 65537; another exponent cannot be honoured.
  if (auto e = publicParameter(pub, priv, CKA_PUBLIC_EXPONENT); e && stripLeadingZeros(*e) != kF4) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID,
                   "the NetHSM generates RSA keys with public exponent 65537 only");
  }
  req.type = KeyType::kRsa;
  req.length = static_cast<unsigned>(**bits);
  return okStatus();
}

Status curveParameters(const TemplateReader& pub, const TemplateReader& priv, bool edwards,
                       const nethsm::Capabilities& caps, nethsm::GenerateKeyRequest& req) {
  auto params = publicParameter(pub, priv, CKA_EC_PARAMS);
  if (!params) {
    if (!edwards) return ckError(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required for EC");
    req.type = KeyType::kCurve25519;  // the only Edwards curve the NetHSM has
    return okStatus();
  }
  auto curve = curveForFirmware(*params, caps);
  if (!curve) return curve.error();
  if ((*curve)->edwards != edwards) {
    return ckError(CKR_TEMPLATE_INCONSISTENT,
                   edwards ? "CKM_EC_EDWARDS_KEY_PAIR_GEN needs an Edwards curve"
                           : "Ed25519 keys are made with CKM_EC_EDWARDS_KEY_PAIR_GEN");
  }
  req.type = (*curve)->type;
  return okStatus();
}

CK_KEY_TYPE ckKeyTypeFor(CK_MECHANISM_TYPE mechanism) {
  if (mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN) return CKK_RSA;
  if (mechanism == CKM_EC_KEY_PAIR_GEN) return CKK_EC;
  return CKK_EC_EDWARDS;
}

}  // namespace

Result<nethsm::GenerateKeyRequest> keyPairGenerateRequest(
    const CK_MECHANISM& mechanism, std::span<const CK_ATTRIBUTE> publicTemplate,
    std::span<const CK_ATTRIBUTE> privateTemplate, const nethsm::Capabilities& caps) {
  TemplateReader pub(publicTemplate);
  TemplateReader priv(privateTemplate);
  CK_MECHANISM_TYPE m = mechanism.mechanism;
  if (m != CKM_RSA_PKCS_KEY_PAIR_GEN && m != CKM_EC_KEY_PAIR_GEN &&
      m != CKM_EC_EDWARDS_KEY_PAIR_GEN) {
    return ckError(CKR_MECHANISM_INVALID, "not a key-pair generation mechanism");
  }
  if (auto s = checkNoParams(mechanism); !s) return s.error();
  CK_KEY_TYPE keyType = ckKeyTypeFor(m);
  if (auto s = expectClassAndType(pub, CKO_PUBLIC_KEY, keyType); !s) return s.error();
  if (auto s = expectClassAndType(priv, CKO_PRIVATE_KEY, keyType); !s) return s.error();
  if (auto s = refuseExtractable(priv); !s) return s.error();

  nethsm::GenerateKeyRequest req;
  Status params = m == CKM_RSA_PKCS_KEY_PAIR_GEN
                      ? rsaParameters(pub, priv, req)
                      : curveParameters(pub, priv, m == CKM_EC_EDWARDS_KEY_PAIR_GEN, caps, req);
  if (!params) return params.error();
  if (auto s = applyUsage(req, priv); !s) return s.error();
  return req;
}

Result<nethsm::GenerateKeyRequest> secretKeyGenerateRequest(
    const CK_MECHANISM& mechanism, std::span<const CK_ATTRIBUTE> keyTemplate) {
  TemplateReader tpl(keyTemplate);
  bool aes = mechanism.mechanism == CKM_AES_KEY_GEN;
  if (!aes && mechanism.mechanism != CKM_GENERIC_SECRET_KEY_GEN) {
    return ckError(CKR_MECHANISM_INVALID, "not a secret-key generation mechanism");
  }
  if (auto s = checkNoParams(mechanism); !s) return s.error();
  CK_KEY_TYPE keyType = aes ? CKK_AES : CKK_GENERIC_SECRET;
  if (auto s = expectClassAndType(tpl, CKO_SECRET_KEY, keyType); !s) return s.error();
  if (auto s = refuseExtractable(tpl); !s) return s.error();
  auto len = tpl.ulong(CKA_VALUE_LEN);
  if (!len) return len.error();
  if (!len->has_value()) return ckError(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
  if (auto s = checkSecretLength(aes, **len); !s) return s.error();
  nethsm::GenerateKeyRequest req;
  req.type = KeyType::kGeneric;
  req.length = static_cast<unsigned>(**len * 8);
  if (auto s = applyUsage(req, tpl); !s) return s.error();
  return req;
}

}  // namespace p11nethsm::mech
