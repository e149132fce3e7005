#include "p11nethsm_test/module_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>

namespace p11nethsm::testing {

ModuleLoader::ModuleLoader(const std::string& path) {
  if (path.empty()) {
    error_ = "no library path";
    return;
  }
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* e = dlerror();
    error_ = e ? e : "dlopen failed";
    return;
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle_, "C_GetFunctionList"));
  interfaceList_ = reinterpret_cast<CK_C_GetInterfaceList>(dlsym(handle_, "C_GetInterfaceList"));
  getInterface_ = reinterpret_cast<CK_C_GetInterface>(dlsym(handle_, "C_GetInterface"));
  if (!get || get(&list_) != CKR_OK) {
    error_ = "C_GetFunctionList failed";
    list_ = nullptr;
  }
}

ModuleLoader::~ModuleLoader() {
  if (handle_) dlclose(handle_);
}

std::string builtModulePath() {
  const char* dir = std::getenv("P11NETHSM_BUILD_DIR");
  return std::string(dir ? dir : ".") + "/libnethsm_pkcs11.so";
}

}  // namespace p11nethsm::testing
