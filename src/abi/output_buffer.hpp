#pragma once
// The two-call rule of PKCS#11 v2.40 §5.2 in one place: a NULL buffer asks for the
// size; a buffer too small gets CKR_BUFFER_TOO_SMALL and keeps the operation alive.
// When the real output had to be computed to know its size (decryption), it is kept
// as the operation's pending output and returned by the next call.
#include <functional>
#include <vector>

#include "core/api.hpp"
#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::abi {

CK_RV deliverOutput(CK_SESSION_HANDLE session, core::OpType type, core::Stage stage,
                    size_t inputLen, CK_BYTE_PTR out, CK_ULONG_PTR outLen,
                    const std::function<Result<Bytes>()>& compute);

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
