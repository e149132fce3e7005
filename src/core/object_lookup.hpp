#pragma once
// Looking up an object the session may see (private objects need access, §4.4).
#include "core/context.hpp"

namespace p11nethsm::core {

// `invalidRv`: CKR_OBJECT_HANDLE_INVALID or CKR_KEY_HANDLE_INVALID, as the caller's
// function specifies.
Result<ObjectPtr> visibleObject(const SessionContext& ctx, CK_OBJECT_HANDLE handle,
                                CK_RV invalidRv);

// noteDeviceError for callers that already hold the session mutex.
inline Error noteDeviceErrorLocked(Session& session, Error error) {
  if (toCkRv(error) == CKR_DEVICE_ERROR)
    session.deviceError = static_cast<CK_ULONG>(error.httpStatus);
  return error;
}

}  // namespace p11nethsm::core
