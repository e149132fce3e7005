#pragma once
// Shared plumbing of the core API: the initialized module and a session looked up
// by handle, and the device-error bookkeeping of C_GetSessionInfo.
#include <cstring>
#include <memory>
#include <string_view>

#include "core/error_map.hpp"
#include "core/module.hpp"

namespace p11nethsm::core {

struct SessionContext {
  std::shared_ptr<Module> module;
  SessionPtr session;
  Slot& slot() const { return *session->slot; }
};

Result<SessionContext> sessionContext(CK_SESSION_HANDLE handle);

// Remembers the HTTP status behind a CKR_DEVICE_ERROR for ulDeviceError
// (issue 5 §4) and passes the result through; a later success clears it, so that
// ulDeviceError describes the last call that reached the appliance.
template <class T>
void noteDeviceErrorLocked(Session& session, const Result<T>& result) {
  if (result.ok())
    session.deviceError = 0;
  else if (toCkRv(result.error()) == CKR_DEVICE_ERROR)
    session.deviceError = static_cast<CK_ULONG>(result.error().httpStatus);
}

template <class T>
Result<T> noteDeviceError(Session& session, Result<T> result) {
  std::lock_guard lock(session.mutex);
  noteDeviceErrorLocked(session, result);
  return result;
}

// Blank-padded fixed-width text fields of CK_*_INFO (PKCS#11 v2.40 §3.2).
template <size_t N>
void padField(CK_UTF8CHAR (&field)[N], std::string_view text) {
  std::memset(field, ' ', N);
  std::memcpy(field, text.data(), text.size() < N ? text.size() : N);
}

}  // namespace p11nethsm::core
