#pragma once
// Caller buffers of PKCS#11 v2.40 §5.2: a NULL buffer asks for the size; a buffer too
// small gets CKR_BUFFER_TOO_SMALL. For operation outputs core::produceOutput decides
// (the whole two-call rule, in one core call); deliverOutput only copies its answer.
#include <span>
#include <vector>

#include "core/api.hpp"
#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::abi {

CK_RV deliverOutput(CK_SESSION_HANDLE session, core::OpType type, core::Stage stage,
                    std::span<const uint8_t> input, CK_BYTE_PTR out, CK_ULONG_PTR outLen);

// Arrays of fixed-size items (slot IDs, mechanism types): same rule, no state.
template <class T>
CK_RV copyArray(const std::vector<T>& items, T* out, CK_ULONG_PTR count) {
  if (!count) return CKR_ARGUMENTS_BAD;
  CK_ULONG have = *count;
  *count = static_cast<CK_ULONG>(items.size());
  if (!out) return CKR_OK;
  if (have < items.size()) return CKR_BUFFER_TOO_SMALL;
  for (size_t i = 0; i < items.size(); ++i) out[i] = items[i];
  return CKR_OK;
}

// C_GetAttributeValue (§5.7): every attribute handled, per-attribute
// CK_UNAVAILABLE_INFORMATION, the most telling error returned.
CK_RV fillAttributes(const std::vector<core::AttributeValue>& values, CK_ATTRIBUTE_PTR tmpl);

}  // namespace p11nethsm::abi
