// Template rules shared by key generation and import (see key_usage.hpp).
#include "mech/key_usage.hpp"

#include <algorithm>
#include <string>

#include "log/log.hpp"
#include "mech/mechanism_usage.hpp"

namespace p11nethsm::mech {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

// A Generic key on the NetHSM does AES-CBC only: no HMAC or other MAC (BEHAVIOUR.md
// §7: "Generic keys cannot sign"). A template asking it to sign or verify asks for a
// key that cannot exist; making one that silently fails at C_SignInit is worse.
Status refuseSecretKeyMacs(KeyType type, const TemplateReader& keyTemplate) {
  if (type != KeyType::kGeneric) return okStatus();
  for (CK_ATTRIBUTE_TYPE attribute : {CKA_SIGN, CKA_VERIFY}) {
    auto v = keyTemplate.boolean(attribute);
    if (!v) return v.error();
    if (v->value_or(false)) {
      const char* name = attribute == CKA_SIGN ? "CKA_SIGN" : "CKA_VERIFY";
      log::warn(std::string("secret key template: ") + name +
                "=TRUE refused, NetHSM secret keys only encrypt and decrypt (AES-CBC)");
      return ckError(CKR_ATTRIBUTE_VALUE_INVALID,
                     std::string(name) + "=TRUE: NetHSM secret keys cannot sign or verify");
    }
  }
  return okStatus();
}

}  // namespace

Result<std::vector<KeyMechanism>> grantedMechanisms(KeyType type,
                                                    const TemplateReader& keyTemplate) {
  if (auto refused = refuseSecretKeyMacs(type, keyTemplate); !refused) return refused.error();
  // mechanism_usage.hpp: the type's usage attributes and what each grants.
  const auto usages = usagesOfType(type);
  bool anyTrue = false;
  std::vector<std::optional<bool>> values;
  for (CK_ATTRIBUTE_TYPE usage : usages) {
    auto v = keyTemplate.boolean(usage);
    if (!v) return v.error();
    anyTrue = anyTrue || v->value_or(false);
    values.push_back(*v);
  }
  std::vector<KeyMechanism> granted;
  for (size_t i = 0; i < usages.size(); ++i) {
    if (!values[i].value_or(!anyTrue)) continue;
    auto add = grantedFor(type, usages[i]);
    granted.insert(granted.end(), add.begin(), add.end());
  }
  if (granted.empty()) {
    return ckError(CKR_TEMPLATE_INCONSISTENT,
                   "the template allows no operation the NetHSM offers for this key type");
  }
  return granted;
}

// Decision (issue 6 §7): the NetHSM never exports a private or secret key: there is
// no endpoint that returns key material and no wrapping mechanism. A key created
// with CKA_EXTRACTABLE=TRUE would promise C_WrapKey or a readable CKA_VALUE that can
// never work, so the request is refused at once with CKR_ATTRIBUTE_VALUE_INVALID and
// a message, instead of silently creating a key that is not what the caller asked for
// (an application that probes for exportable keys, such as Venafi's, learns at once
// that this token keeps keys inside).
Status refuseExtractable(const TemplateReader& keyTemplate) {
  auto extractable = keyTemplate.boolean(CKA_EXTRACTABLE);
  if (!extractable) return extractable.error();
  if (extractable->value_or(false)) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID,
                   "CKA_EXTRACTABLE=TRUE: keys on the NetHSM can never be exported");
  }
  return okStatus();
}

Status expectClassAndType(const TemplateReader& keyTemplate, CK_OBJECT_CLASS objectClass,
                          std::optional<CK_KEY_TYPE> keyType) {
  auto cls = keyTemplate.ulong(CKA_CLASS);
  if (!cls) return cls.error();
  if (cls->has_value() && **cls != objectClass) {
    return ckError(CKR_TEMPLATE_INCONSISTENT, "CKA_CLASS does not fit the mechanism");
  }
  auto type = keyTemplate.ulong(CKA_KEY_TYPE);
  if (!type) return type.error();
  if (keyType && type->has_value() && **type != *keyType) {
    return ckError(CKR_TEMPLATE_INCONSISTENT, "CKA_KEY_TYPE does not fit the mechanism");
  }
  return okStatus();
}

Result<const CurveInfo*> curveForFirmware(const Bytes& ecParams, const nethsm::Capabilities& caps) {
  auto curve = curveFromEcParams(ecParams);
  if (!curve) return curve.error();
  if (!curveAvailable(**curve, caps)) {
    return ckError(CKR_CURVE_NOT_SUPPORTED, "this NetHSM firmware does not offer the curve");
  }
  return curve;
}

Status checkSecretLength(bool aes, size_t bytes) {
  constexpr size_t kGenericMinBytes = 16;
  constexpr size_t kGenericMaxBytes = 1024;
  bool ok = aes ? (bytes == 16 || bytes == 24 || bytes == 32)
                : (bytes >= kGenericMinBytes && bytes <= kGenericMaxBytes);
  if (!ok) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, aes ? "AES keys are 16, 24 or 32 bytes"
                                                    : "generic secrets are 16 to 1024 bytes");
  }
  return okStatus();
}

Bytes stripLeadingZeros(const Bytes& value) {
  auto first = std::find_if(value.begin(), value.end(), [](uint8_t b) { return b != 0; });
  return Bytes(first, value.end());
}

}  // namespace p11nethsm::mech
