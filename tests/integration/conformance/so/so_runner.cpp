// The battery against the built libnethsm_pkcs11.so, loaded with dlopen once for the
// whole run (the dlopen/dlclose cycle has a test of its own).
#include "battery.hpp"
#include "p11nethsm_test/module_loader.hpp"

namespace p11nethsm::conformance {
namespace {

testing::ModuleLoader& loader() {
  static testing::ModuleLoader* instance = new testing::ModuleLoader(testing::builtModulePath());
  return *instance;
}

}  // namespace

CK_FUNCTION_LIST_PTR batteryFunctions() { return loader().functions(); }
CK_C_GetInterfaceList batteryInterfaceList() { return loader().interfaceList(); }
CK_C_GetInterface batteryGetInterface() { return loader().getInterface(); }

}  // namespace p11nethsm::conformance
