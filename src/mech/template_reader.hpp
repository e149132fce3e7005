#pragma once
// Typed access to a CK_ATTRIBUTE template (PKCS#11 v2.40 §4.1): attribute values of the
// wrong size are CKR_ATTRIBUTE_VALUE_INVALID, as C_CreateObject/C_GenerateKey* require.
#include <optional>
#include <span>

#include "mech/ossl.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::mech {

class TemplateReader {
 public:
  explicit TemplateReader(std::span<const CK_ATTRIBUTE> attributes) : attributes_(attributes) {}

  bool has(CK_ATTRIBUTE_TYPE type) const { return find(type) != nullptr; }
  // Raw bytes of the last occurrence; nullopt when absent.
  std::optional<Bytes> bytes(CK_ATTRIBUTE_TYPE type) const;
  Result<std::optional<bool>> boolean(CK_ATTRIBUTE_TYPE type) const;
  Result<std::optional<CK_ULONG>> ulong(CK_ATTRIBUTE_TYPE type) const;

 private:
  const CK_ATTRIBUTE* find(CK_ATTRIBUTE_TYPE type) const;
  std::span<const CK_ATTRIBUTE> attributes_;
};

}  // namespace p11nethsm::mech
