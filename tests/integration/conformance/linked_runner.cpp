// The battery against the module linked statically (p11nethsm_abi).
#include "battery.hpp"

namespace p11nethsm::conformance {

CK_FUNCTION_LIST_PTR batteryFunctions() {
  CK_FUNCTION_LIST_PTR list = nullptr;
  return C_GetFunctionList(&list) == CKR_OK ? list : nullptr;
}

CK_C_GetInterfaceList batteryInterfaceList() { return C_GetInterfaceList; }
CK_C_GetInterface batteryGetInterface() { return C_GetInterface; }

}  // namespace p11nethsm::conformance
