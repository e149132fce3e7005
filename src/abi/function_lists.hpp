#pragma once
// The Cryptoki function lists: CK_FUNCTION_LIST (v2.40) and CK_FUNCTION_LIST_3_0.
#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::abi {

const CK_FUNCTION_LIST& functionList240();
const CK_FUNCTION_LIST_3_0& functionList30();

// C_GetInfo of the 3.0 list: cryptokiVersion 3.0.
CK_RV getInfo30(CK_INFO_PTR pInfo);

}  // namespace p11nethsm::abi
