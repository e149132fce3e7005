// PKCS#11 v2.40 §5.5 slot and token management.
#include "abi/guard.hpp"
#include "abi/output_buffer.hpp"
#include "core/api.hpp"

using namespace p11nethsm;

namespace {

template <class T>
CK_RV copyValue(const Result<T>& r, T* out) {
  if (!r) return abi::toRv(r);
  *out = r.value();
  return CKR_OK;
}

std::string_view text(CK_UTF8CHAR_PTR p, CK_ULONG len) {
  return p ? std::string_view(reinterpret_cast<const char*>(p), len) : std::string_view();
}

}  // namespace

extern "C" {

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  return abi::guarded("C_GetSlotList", [&] {
    if (!pulCount) return CKR_ARGUMENTS_BAD;
    auto slots = core::slotList(tokenPresent != CK_FALSE);
    if (!slots) return abi::toRv(slots);
    return abi::copyArray(slots.value(), pSlotList, pulCount);
  });
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  return abi::guarded("C_GetSlotInfo", [&] {
    if (!pInfo) return CKR_ARGUMENTS_BAD;
    return copyValue(core::slotInfo(slotID), pInfo);
  });
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  return abi::guarded("C_GetTokenInfo", [&] {
    if (!pInfo) return CKR_ARGUMENTS_BAD;
    return copyValue(core::tokenInfo(slotID), pInfo);
  });
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  // Blocks on a condition variable only: a fork() need not wait for it.
  return abi::guarded(
      "C_WaitForSlotEvent",
      [&] {
        if (!pSlot || pReserved) return CKR_ARGUMENTS_BAD;
        return copyValue(core::waitForSlotEvent(flags), pSlot);
      },
      CKR_CRYPTOKI_NOT_INITIALIZED, false);
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                         CK_ULONG_PTR pulCount) {
  return abi::guarded("C_GetMechanismList", [&] {
    if (!pulCount) return CKR_ARGUMENTS_BAD;
    auto list = core::mechanismList(slotID);
    if (!list) return abi::toRv(list);
    return abi::copyArray(list.value(), pMechanismList, pulCount);
  });
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  return abi::guarded("C_GetMechanismInfo", [&] {
    if (!pInfo) return CKR_ARGUMENTS_BAD;
    return copyValue(core::mechanismInfo(slotID, type), pInfo);
  });
}

// Tokens are initialized on the appliance (provisioning), users made by its
// administrator: neither is a Cryptoki operation here (issue 5 §3).
CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR) {
  return abi::guarded("C_InitToken", [&] {
    auto info = core::slotInfo(slotID);
    if (!info) return abi::toRv(info);
    return CKR_FUNCTION_NOT_SUPPORTED;
  });
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR, CK_ULONG) {
  return abi::guarded("C_InitPIN", [&] {
    auto ok = core::checkSession(hSession);
    if (!ok) return abi::toRv(ok);
    return CKR_FUNCTION_NOT_SUPPORTED;
  });
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
               CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen) {
  return abi::guarded("C_SetPIN", [&] {
    if (!abi::validArray(pOldPin, ulOldLen) || !abi::validArray(pNewPin, ulNewLen))
      return CKR_ARGUMENTS_BAD;
    return abi::toRv(core::setPin(hSession, text(pOldPin, ulOldLen), text(pNewPin, ulNewLen)));
  });
}

}  // extern "C"
