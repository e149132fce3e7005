// The function lists (PKCS#11 v2.40 §3.6 and 3.0 §3.6), constant-initialized: no
// static object with a destructor (DESIGN.md "Lifetime").
#include "abi/function_lists.hpp"

namespace p11nethsm::abi {
namespace {

// The 3.0 message-based functions are not offered (issue 5 §1).
CK_RV notSupported() { return CKR_FUNCTION_NOT_SUPPORTED; }

// The 68 v2.40 entries in the order of PKCS#11 v2.40 §3.6, shared by both lists;
// C_GetInfo differs because it reports the version of the list it belongs to.
#define P11NETHSM_V240_ENTRIES(getInfo)                                                            \
  C_Initialize, C_Finalize, getInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo,              \
      C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN,    \
      C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState,    \
      C_SetOperationState, C_Login, C_Logout, C_CreateObject, C_CopyObject, C_DestroyObject,       \
      C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, C_FindObjectsInit, C_FindObjects, \
      C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal,               \
      C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal, C_DigestInit, C_Digest,           \
      C_DigestUpdate, C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate, C_SignFinal,   \
      C_SignRecoverInit, C_SignRecover, C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal,     \
      C_VerifyRecoverInit, C_VerifyRecover, C_DigestEncryptUpdate, C_DecryptDigestUpdate,          \
      C_SignEncryptUpdate, C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, C_WrapKey,     \
      C_UnwrapKey, C_DeriveKey, C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus,               \
      C_CancelFunction, C_WaitForSlotEvent

constexpr CK_FUNCTION_LIST kList240 = {{2, 40}, P11NETHSM_V240_ENTRIES(C_GetInfo)};

constexpr CK_FUNCTION_LIST_3_0 kList30 = {
    {3, 0},
    P11NETHSM_V240_ENTRIES(getInfo30),
    C_GetInterfaceList,
    C_GetInterface,
    C_LoginUser,
    C_SessionCancel,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
    notSupported,
};

}  // namespace

#undef P11NETHSM_V240_ENTRIES

const CK_FUNCTION_LIST& functionList240() { return kList240; }
const CK_FUNCTION_LIST_3_0& functionList30() { return kList30; }

}  // namespace p11nethsm::abi
