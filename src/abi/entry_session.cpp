// PKCS#11 v2.40 §5.6 session management, and C_LoginUser / C_SessionCancel of 3.0.
#include "abi/guard.hpp"
#include "core/api.hpp"

using namespace p11nethsm;

namespace {

std::string_view text(CK_UTF8CHAR_PTR p, CK_ULONG len) {
  return p ? std::string_view(reinterpret_cast<const char*>(p), len) : std::string_view();
}

}  // namespace

extern "C" {

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY,
                    CK_SESSION_HANDLE_PTR phSession) {
  return abi::guarded("C_OpenSession", [&] {
    if (!phSession) return CKR_ARGUMENTS_BAD;
    auto session = core::openSession(slotID, flags);
    if (!session) return abi::toRv(session);
    *phSession = session.value();
    return CKR_OK;
  });
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  return abi::guarded("C_CloseSession", [&] { return abi::toRv(core::closeSession(hSession)); });
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  return abi::guarded("C_CloseAllSessions",
                      [&] { return abi::toRv(core::closeAllSessions(slotID)); });
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  return abi::guarded("C_GetSessionInfo", [&] {
    if (!pInfo) return CKR_ARGUMENTS_BAD;
    auto info = core::sessionInfo(hSession);
    if (!info) return abi::toRv(info);
    *pInfo = info.value();
    return CKR_OK;
  });
}

// Operation state cannot be saved: it lives partly on the appliance (§5.6).
CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG_PTR) {
  return abi::guarded("C_GetOperationState", [&] {
    auto ok = core::checkSession(hSession);
    return ok ? CKR_FUNCTION_NOT_SUPPORTED : abi::toRv(ok);
  });
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE,
                          CK_OBJECT_HANDLE) {
  return abi::guarded("C_SetOperationState", [&] {
    auto ok = core::checkSession(hSession);
    return ok ? CKR_FUNCTION_NOT_SUPPORTED : abi::toRv(ok);
  });
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
              CK_ULONG ulPinLen) {
  return abi::guarded("C_Login", [&] {
    // No protected authentication path: the PIN must be given.
    if (!pPin) return CKR_ARGUMENTS_BAD;
    return abi::toRv(core::login(hSession, userType, text(pPin, ulPinLen), std::nullopt));
  });
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen) {
  return abi::guarded("C_LoginUser", [&] {
    if (!pPin || !pUsername || ulUsernameLen == 0) return CKR_ARGUMENTS_BAD;
    std::string name(text(pUsername, ulUsernameLen));
    return abi::toRv(core::login(hSession, userType, text(pPin, ulPinLen), name));
  });
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  return abi::guarded("C_Logout", [&] { return abi::toRv(core::logout(hSession)); });
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
  return abi::guarded("C_SessionCancel",
                      [&] { return abi::toRv(core::sessionCancel(hSession, flags)); });
}

// Functions run to completion; there is nothing to poll or cancel (§5.16).
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession) {
  return abi::guarded("C_GetFunctionStatus", [&] {
    auto ok = core::checkSession(hSession);
    return ok ? CKR_FUNCTION_NOT_PARALLEL : abi::toRv(ok);
  });
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession) {
  return abi::guarded("C_CancelFunction", [&] {
    auto ok = core::checkSession(hSession);
    return ok ? CKR_FUNCTION_NOT_PARALLEL : abi::toRv(ok);
  });
}

}  // extern "C"
