#include "mech/template_reader.hpp"

#include <string>

namespace p11nethsm::mech {

const CK_ATTRIBUTE* TemplateReader::find(CK_ATTRIBUTE_TYPE type) const {
  const CK_ATTRIBUTE* found = nullptr;
  for (const auto& a : attributes_) {
    if (a.type != type) continue;
    found = &a;
    if (occurrence_ == Occurrence::kFirst) break;
  }
  return found;
}

Bytes TemplateReader::valueBytes(const CK_ATTRIBUTE& a) {
  if (a.pValue == nullptr || a.ulValueLen == 0 || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return Bytes{};
  }
  const auto* p = static_cast<const uint8_t*>(a.pValue);
  return Bytes(p, p + a.ulValueLen);
}

Result<Bytes> TemplateReader::checkedBytes(const CK_ATTRIBUTE& a) {
  if (a.ulValueLen && !a.pValue) return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "no value");
  return valueBytes(a);
}

std::optional<Bytes> TemplateReader::bytes(CK_ATTRIBUTE_TYPE type) const {
  const CK_ATTRIBUTE* a = find(type);
  if (a == nullptr) return std::nullopt;
  return valueBytes(*a);
}

Result<std::optional<bool>> TemplateReader::boolean(CK_ATTRIBUTE_TYPE type) const {
  const CK_ATTRIBUTE* a = find(type);
  if (a == nullptr) return std::optional<bool>{};
  if (a->pValue == nullptr || a->ulValueLen != sizeof(CK_BBOOL)) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "boolean attribute of wrong size");
  }
  return std::optional<bool>(*static_cast<const CK_BBOOL*>(a->pValue) != CK_FALSE);
}

Result<std::optional<CK_ULONG>> TemplateReader::ulong(CK_ATTRIBUTE_TYPE type) const {
  const CK_ATTRIBUTE* a = find(type);
  if (a == nullptr) return std::optional<CK_ULONG>{};
  if (a->pValue == nullptr || a->ulValueLen != sizeof(CK_ULONG)) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CK_ULONG attribute of wrong size");
  }
  return std::optional<CK_ULONG>(*static_cast<const CK_ULONG*>(a->pValue));
}

}  // namespace p11nethsm::mech
