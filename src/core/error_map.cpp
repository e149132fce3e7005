#include "core/error_map.hpp"

namespace p11nethsm::core {

Error ckError(CK_RV rv, std::string message) {
  Error e;
  e.kind = ErrorKind::kInvalidArgument;
  e.message = std::move(message);
  e.pkcs11Rv = rv;
  return e;
}

// Kinds map to the code a PKCS#11 application can act on: a 404 means the key went
// away (stale handle), 401/403 means the credentials for this call are missing or
// wrong, 412 means the appliance is not Operational (token not present), a lost
// connection means the device is gone (OpenDNSSEC asked for DEVICE_REMOVED, #156).
CK_RV toCkRv(const Error& error) {
  if (error.pkcs11Rv != 0) return error.pkcs11Rv;
  switch (error.kind) {
    case ErrorKind::kInvalidArgument:
      return CKR_ARGUMENTS_BAD;
    case ErrorKind::kConfig:
      return CKR_FUNCTION_FAILED;
    case ErrorKind::kNotFound:
      return CKR_KEY_HANDLE_INVALID;
    case ErrorKind::kUnauthorized:
      return CKR_USER_NOT_LOGGED_IN;
    case ErrorKind::kForbidden:
      return CKR_USER_NOT_LOGGED_IN;
    case ErrorKind::kNoCredentials:
      return CKR_USER_NOT_LOGGED_IN;
    case ErrorKind::kRateLimited:
      return CKR_DEVICE_ERROR;
    case ErrorKind::kBadRequest:
      return CKR_DEVICE_ERROR;
    case ErrorKind::kConflict:
      return CKR_FUNCTION_FAILED;
    case ErrorKind::kNotOperational:
      return CKR_TOKEN_NOT_PRESENT;
    case ErrorKind::kServerError:
      return CKR_DEVICE_ERROR;
    case ErrorKind::kMalformedResponse:
      return CKR_DEVICE_ERROR;
    case ErrorKind::kTransport:
      return CKR_DEVICE_REMOVED;
    case ErrorKind::kUnsupported:
      return CKR_FUNCTION_NOT_SUPPORTED;
    case ErrorKind::kInternal:
      return CKR_GENERAL_ERROR;
  }
  return CKR_GENERAL_ERROR;
}

}  // namespace p11nethsm::core
