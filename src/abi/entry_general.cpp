// PKCS#11 v2.40 §5.4 general-purpose functions and the PKCS#11 3.0 §5.2 interface
// functions: C_GetFunctionList (the 2.40 list), C_GetInterfaceList / C_GetInterface
// ("PKCS 11" 2.40 and 3.0). C_GetInfo agrees with the list it belongs to.
#include <cstring>

#include "abi/function_lists.hpp"
#include "abi/guard.hpp"
#include "core/api.hpp"
#include "core/module.hpp"

using namespace p11nethsm;

namespace {

constexpr CK_VERSION kVersion240 = {2, 40};
constexpr CK_VERSION kVersion30 = {3, 0};

CK_RV getInfo(CK_INFO_PTR pInfo, CK_VERSION version) {
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  auto module = core::acquireModule();
  if (!module) return abi::toRv(module);
  *pInfo = core::libraryInfo(version);
  return CKR_OK;
}

// The interfaces we offer, most recent first (PKCS#11 3.0 §5.2).
CK_INTERFACE* interfaces(CK_ULONG& count) {
  static CK_CHAR kName[] = "PKCS 11";
  static CK_INTERFACE kInterfaces[] = {
      {kName, const_cast<CK_FUNCTION_LIST_3_0*>(&abi::functionList30()), 0},
      {kName, const_cast<CK_FUNCTION_LIST*>(&abi::functionList240()), 0},
  };
  count = 2;
  return kInterfaces;
}

CK_VERSION versionOf(const CK_INTERFACE& i) {
  return static_cast<const CK_FUNCTION_LIST*>(i.pFunctionList)->version;
}

}  // namespace

namespace p11nethsm::abi {

CK_RV getInfo30(CK_INFO_PTR pInfo) {
  return guarded("C_GetInfo(3.0)", [&] { return getInfo(pInfo, kVersion30); });
}

}  // namespace p11nethsm::abi

extern "C" {

CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  return abi::guarded(
      "C_Initialize",
      [&] { return core::initializeModule(static_cast<const CK_C_INITIALIZE_ARGS*>(pInitArgs)); },
      CKR_GENERAL_ERROR);  // the host is exiting: not in C_Initialize's list of codes
}

CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  return abi::guarded("C_Finalize", [&] { return core::finalizeModule(pReserved); });
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  return abi::guarded("C_GetInfo", [&] { return getInfo(pInfo, kVersion240); });
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  return abi::guardedStateless("C_GetFunctionList", [&] {
    if (!ppFunctionList) return CKR_ARGUMENTS_BAD;
    *ppFunctionList = const_cast<CK_FUNCTION_LIST*>(&abi::functionList240());
    return CKR_OK;
  });
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  return abi::guardedStateless("C_GetInterfaceList", [&] {
    if (!pulCount) return CKR_ARGUMENTS_BAD;
    CK_ULONG count = 0;
    CK_INTERFACE* all = interfaces(count);
    CK_ULONG have = *pulCount;
    *pulCount = count;
    if (!pInterfacesList) return CKR_OK;
    if (have < count) return CKR_BUFFER_TOO_SMALL;
    std::memcpy(pInterfacesList, all, count * sizeof(CK_INTERFACE));
    return CKR_OK;
  });
}

// NULL name: the default interface; NULL version: the newest of that name.
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
  return abi::guardedStateless("C_GetInterface", [&] {
    if (!ppInterface) return CKR_ARGUMENTS_BAD;
    CK_ULONG count = 0;
    CK_INTERFACE* all = interfaces(count);
    for (CK_ULONG i = 0; i < count; ++i) {
      if (pInterfaceName && std::strcmp(reinterpret_cast<const char*>(pInterfaceName),
                                        reinterpret_cast<const char*>(all[i].pInterfaceName)) != 0)
        continue;
      CK_VERSION v = versionOf(all[i]);
      if (pVersion && (pVersion->major != v.major || pVersion->minor != v.minor)) continue;
      if ((all[i].flags & flags) != flags) continue;
      *ppInterface = &all[i];
      return CKR_OK;
    }
    return CKR_ARGUMENTS_BAD;
  });
}

}  // extern "C"
