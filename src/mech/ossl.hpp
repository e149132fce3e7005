#pragma once
// Owning pointers for OpenSSL objects and the PKCS#11-aware error helper of the mech
// layer. Header-only: every operation file uses them.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

#include "p11nethsm/pkcs11.hpp"
#include "util/result.hpp"

namespace p11nethsm::mech {

template <auto Free>
struct OsslFree {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslFree<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslFree<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslFree<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OsslFree<BN_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslFree<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslFree<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OsslFree<OSSL_PARAM_free>>;

// An error whose CK_RV the mech layer decided (Error::pkcs11Rv). The kind is only a
// fallback for code that ignores pkcs11Rv.
[[gnu::cold]] inline Error ckError(CK_RV rv, std::string message) {
  ErrorKind kind = ErrorKind::kInvalidArgument;
  if (rv == CKR_GENERAL_ERROR || rv == CKR_HOST_MEMORY) kind = ErrorKind::kInternal;
  if (rv == CKR_MECHANISM_INVALID || rv == CKR_CURVE_NOT_SUPPORTED) {
    kind = ErrorKind::kUnsupported;
  }
  Error e = makeError(kind, std::move(message));
  e.pkcs11Rv = rv;
  return e;
}

// An OpenSSL failure that is our fault or a resource problem, not the caller's.
[[gnu::cold]] inline Error osslError(const std::string& what) {
  return ckError(CKR_GENERAL_ERROR, "OpenSSL: " + what + " failed");
}

}  // namespace p11nethsm::mech
