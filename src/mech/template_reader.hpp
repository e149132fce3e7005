#pragma once
// The one reader of CK_ATTRIBUTE templates (PKCS#11 v2.40 §4.1, §5.7, §5.14): key
// generation and import (mech), C_CreateObject, C_FindObjectsInit and
// C_SetAttributeValue (core) all read templates through it. Typed values of the wrong
// size, or a length without a value, are CKR_ATTRIBUTE_VALUE_INVALID, as
// C_CreateObject/C_GenerateKey* require; the caller decides what an absent attribute
// means. (The array itself, NULL with a count, is CKR_ARGUMENTS_BAD in abi.)
#include <optional>
#include <span>

#include "mech/ossl.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::mech {

class TemplateReader {
 public:
  // Which occurrence of an attribute given twice counts. Key generation and import
  // read the last one, object creation and search the first, as they always have. (A
  // template giving one attribute two different values is not rejected yet; PKCS#11
  // v2.40 §4.1.1 asks for CKR_TEMPLATE_INCONSISTENT then.)
  enum class Occurrence { kLast, kFirst };

  explicit TemplateReader(std::span<const CK_ATTRIBUTE> attributes,
                          Occurrence occurrence = Occurrence::kLast)
      : attributes_(attributes), occurrence_(occurrence) {}

  bool has(CK_ATTRIBUTE_TYPE type) const { return find(type) != nullptr; }
  const CK_ATTRIBUTE* find(CK_ATTRIBUTE_TYPE type) const;
  // Raw bytes (valueBytes); nullopt when absent.
  std::optional<Bytes> bytes(CK_ATTRIBUTE_TYPE type) const;
  Result<std::optional<bool>> boolean(CK_ATTRIBUTE_TYPE type) const;
  Result<std::optional<CK_ULONG>> ulong(CK_ATTRIBUTE_TYPE type) const;

  // Every attribute in template order (C_SetAttributeValue checks each).
  auto begin() const { return attributes_.begin(); }
  auto end() const { return attributes_.end(); }

  // The value of one attribute; no value (NULL or an unavailable length) is empty.
  static Bytes valueBytes(const CK_ATTRIBUTE& attribute);
  // The same, but a length without a value is CKR_ATTRIBUTE_VALUE_INVALID.
  static Result<Bytes> checkedBytes(const CK_ATTRIBUTE& attribute);

 private:
  std::span<const CK_ATTRIBUTE> attributes_;
  Occurrence occurrence_;
};

}  // namespace p11nethsm::mech
