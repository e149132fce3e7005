#pragma once
// The PKCS#11 function list under test: the statically linked module or the built
// libnethsm_pkcs11.so through dlopen (tests/ conformance battery runs on both).
#include <string>

#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::testing {

class ModuleLoader {
 public:
  // Empty path: no library (use the linked C_GetFunctionList).
  explicit ModuleLoader(const std::string& path);
  ~ModuleLoader();
  ModuleLoader(const ModuleLoader&) = delete;
  ModuleLoader& operator=(const ModuleLoader&) = delete;

  bool ok() const { return list_ != nullptr; }
  const std::string& error() const { return error_; }
  CK_FUNCTION_LIST_PTR functions() const { return list_; }
  // C_GetInterfaceList of the library (nullptr when it has none).
  CK_C_GetInterfaceList interfaceList() const { return interfaceList_; }
  CK_C_GetInterface getInterface() const { return getInterface_; }

 private:
  void* handle_ = nullptr;
  CK_FUNCTION_LIST_PTR list_ = nullptr;
  CK_C_GetInterfaceList interfaceList_ = nullptr;
  CK_C_GetInterface getInterface_ = nullptr;
  std::string error_;
};

// <build>/libnethsm_pkcs11.so from P11NETHSM_BUILD_DIR (set by ctest).
std::string builtModulePath();

}  // namespace p11nethsm::testing
