#pragma once
// The one place where an Error becomes a CK_RV (DESIGN.md "Errors are values").
#include <string>

#include "p11nethsm/pkcs11.hpp"
#include "util/result.hpp"

namespace p11nethsm::core {

// An error whose CK_RV is already decided by PKCS#11 semantics.
[[gnu::cold]] Error ckError(CK_RV rv, std::string message);

// Error::pkcs11Rv when set, else a mapping by ErrorKind.
CK_RV toCkRv(const Error& error);

template <class T>
CK_RV rvOf(const Result<T>& result) {
  return result.ok() ? CKR_OK : toCkRv(result.error());
}

}  // namespace p11nethsm::core
