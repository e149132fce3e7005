// Default verify entry points of Operation: only verify operations override them
// (signature_operation.cpp); anything else called this way was not initialised for
// C_Verify (PKCS#11 v2.40 §5.13).
#include "mech/operation.hpp"

#include "mech/ossl.hpp"

namespace p11nethsm::mech {

Status Operation::verify(std::span<const uint8_t>, std::span<const uint8_t>) {
  return ckError(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation");
}

Status Operation::verifyFinish(std::span<const uint8_t>) {
  return ckError(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation");
}

}  // namespace p11nethsm::mech
