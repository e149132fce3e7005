#pragma once
// Shared template rules of key generation and import (keygen.cpp, key_import.cpp).
#include <optional>
#include <string>
#include <vector>

#include "mech/ec_curve.hpp"
#include "mech/template_reader.hpp"

namespace p11nethsm::mech {

// The NetHSM mechanisms a new key gets, from the template's usage attributes: an
// attribute that is present decides; absent ones count as TRUE only when the template
// sets no usage attribute to TRUE (least privilege, everything of the type when the
// template says nothing). CKR_TEMPLATE_INCONSISTENT when nothing is left.
Result<std::vector<nethsm::KeyMechanism>> grantedMechanisms(nethsm::KeyType type,
                                                            const TemplateReader& keyTemplate);

// CKA_EXTRACTABLE=TRUE is refused: see the comment in key_usage.cpp.
Status refuseExtractable(const TemplateReader& keyTemplate);

// CKA_CLASS / CKA_KEY_TYPE, when present, must be the expected ones.
Status expectClassAndType(const TemplateReader& keyTemplate, CK_OBJECT_CLASS objectClass,
                          std::optional<CK_KEY_TYPE> keyType);

// CKA_EC_PARAMS → curve offered by the firmware (CKR_CURVE_NOT_SUPPORTED otherwise).
Result<const CurveInfo*> curveForFirmware(const Bytes& ecParams, const nethsm::Capabilities& caps);

// Sets `request.mechanisms` (grantedMechanisms) for a generate or import request
// whose type is already set. The label is core's (core/key_label.hpp).
template <class Request>
Status applyUsage(Request& request, const TemplateReader& keyTemplate) {
  auto granted = grantedMechanisms(request.type, keyTemplate);
  if (!granted) return granted.error();
  request.mechanisms = std::move(*granted);
  return okStatus();
}

// AES keys are 16, 24 or 32 bytes; generic secrets 16..1024 bytes (the appliance's
// Generic type: 128..8192 bits). CKR_ATTRIBUTE_VALUE_INVALID otherwise.
Status checkSecretLength(bool aes, size_t bytes);

// Big-endian integer without leading zero bytes.
Bytes stripLeadingZeros(const Bytes& value);

}  // namespace p11nethsm::mech
