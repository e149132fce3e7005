// C_CreateObject of a private or secret key → NetHSM import request (PUT /keys/{id} or
// POST /keys, JSON form; BEHAVIOUR.md §5 "Import"). PKCS#11 v2.40 §2.1.3 (RSA private
// key), §2.3.4 (EC private key), PKCS#11 3.0 §2.3.6 (Edwards), v2.40 §2.10.2 (AES).
#include "mech/key_usage.hpp"
#include "mech/keygen.hpp"
#include "mech/rsa_primes.hpp"

namespace p11nethsm::mech {
namespace {

using nethsm::KeyType;

constexpr size_t kEd25519SeedBytes = 32;

Error missing(const char* what) {
  return ckError(CKR_TEMPLATE_INCOMPLETE, std::string(what) + " is required to import this key");
}

Status rsaMaterial(const TemplateReader& tpl, nethsm::ImportKeyRequest& req) {
  auto e = tpl.bytes(CKA_PUBLIC_EXPONENT);
  if (!e || stripLeadingZeros(*e).empty()) return missing("CKA_PUBLIC_EXPONENT");
  req.type = KeyType::kRsa;
  req.publicExponent = stripLeadingZeros(*e);
  auto p = tpl.bytes(CKA_PRIME_1);
  auto q = tpl.bytes(CKA_PRIME_2);
  if (p && q && !stripLeadingZeros(*p).empty() && !stripLeadingZeros(*q).empty()) {
    req.primeP = stripLeadingZeros(*p);
    req.primeQ = stripLeadingZeros(*q);
    return okStatus();
  }
  // No primes: recover them from the modulus and the private exponent.
  auto n = tpl.bytes(CKA_MODULUS);
  auto d = tpl.bytes(CKA_PRIVATE_EXPONENT);
  if (!n || !d)
    return missing("CKA_PRIME_1 and CKA_PRIME_2 (or CKA_MODULUS and CKA_PRIVATE_EXPONENT)");
  auto primes = recoverRsaPrimes(stripLeadingZeros(*n), req.publicExponent, stripLeadingZeros(*d));
  if (!primes) return primes.error();
  req.primeP = std::move(primes->p);
  req.primeQ = std::move(primes->q);
  return okStatus();
}

// EC: the raw scalar, left-padded to the curve's byte length as the appliance wants.
Status ecMaterial(const TemplateReader& tpl, bool edwards, const nethsm::Capabilities& caps,
                  nethsm::ImportKeyRequest& req) {
  auto params = tpl.bytes(CKA_EC_PARAMS);
  auto value = tpl.bytes(CKA_VALUE);
  if (!value || value->empty()) return missing("CKA_VALUE");
  const CurveInfo* curve = curveForKeyType(KeyType::kCurve25519);
  if (params || !edwards) {
    if (!params) return missing("CKA_EC_PARAMS");
    auto c = curveForFirmware(*params, caps);
    if (!c) return c.error();
    curve = *c;
  }
  if (curve->edwards != edwards) {
    return ckError(CKR_TEMPLATE_INCONSISTENT, "CKA_EC_PARAMS does not fit CKA_KEY_TYPE");
  }
  Bytes scalar = edwards ? *value : stripLeadingZeros(*value);
  size_t width = edwards ? kEd25519SeedBytes : curve->fieldBytes;
  if (scalar.size() > width || (edwards && scalar.size() != width)) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE does not fit the curve");
  }
  scalar.insert(scalar.begin(), width - scalar.size(), 0);
  req.type = curve->type;
  req.data =
      SecretString(std::string_view(reinterpret_cast<const char*>(scalar.data()), scalar.size()));
  std::fill(scalar.begin(), scalar.end(), 0);
  return okStatus();
}

Status secretMaterial(const TemplateReader& tpl, bool aes, nethsm::ImportKeyRequest& req) {
  auto value = tpl.bytes(CKA_VALUE);
  if (!value || value->empty()) return missing("CKA_VALUE");
  size_t n = value->size();
  if (auto s = checkSecretLength(aes, n); !s) return s;
  req.type = KeyType::kGeneric;
  req.data = SecretString(std::string_view(reinterpret_cast<const char*>(value->data()), n));
  std::fill(value->begin(), value->end(), 0);
  return okStatus();
}

Status keyMaterial(const TemplateReader& tpl, CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
                   const nethsm::Capabilities& caps, nethsm::ImportKeyRequest& req) {
  bool isPrivate = cls == CKO_PRIVATE_KEY;
  if (isPrivate && type == CKK_RSA) return rsaMaterial(tpl, req);
  if (isPrivate && (type == CKK_EC || type == CKK_EC_EDWARDS)) {
    return ecMaterial(tpl, type == CKK_EC_EDWARDS, caps, req);
  }
  if (!isPrivate && (type == CKK_AES || type == CKK_GENERIC_SECRET)) {
    return secretMaterial(tpl, type == CKK_AES, req);
  }
  return ckError(CKR_TEMPLATE_INCONSISTENT, "the NetHSM cannot hold this kind of key");
}

}  // namespace

Result<nethsm::ImportKeyRequest> keyImportRequest(std::span<const CK_ATTRIBUTE> keyTemplate,
                                                  const nethsm::Capabilities& caps) {
  TemplateReader tpl(keyTemplate);
  auto cls = tpl.ulong(CKA_CLASS);
  auto type = tpl.ulong(CKA_KEY_TYPE);
  if (!cls) return cls.error();
  if (!type) return type.error();
  if (!cls->has_value()) return missing("CKA_CLASS");
  if (**cls == CKO_PUBLIC_KEY) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID,
                   "the NetHSM stores a public key only together with its private key");
  }
  if (**cls != CKO_PRIVATE_KEY && **cls != CKO_SECRET_KEY) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "only private and secret keys can be imported");
  }
  if (!type->has_value()) return missing("CKA_KEY_TYPE");
  if (auto s = refuseExtractable(tpl); !s) return s.error();
  nethsm::ImportKeyRequest req;
  if (auto s = keyMaterial(tpl, **cls, **type, caps, req); !s) return s.error();
  if (auto s = applyUsage(req, tpl); !s) return s.error();
  return req;
}

}  // namespace p11nethsm::mech
