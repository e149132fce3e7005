// PKCS#11 v2.40 §5.7 object management.
#include <vector>

#include "abi/guard.hpp"
#include "abi/output_buffer.hpp"
#include "core/api.hpp"

using namespace p11nethsm;

extern "C" {

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject) {
  return abi::guarded("C_CreateObject", [&] {
    if (!phObject || !abi::validArray(pTemplate, ulCount)) return CKR_ARGUMENTS_BAD;
    auto created = core::createObject(hSession, abi::asSpan(pTemplate, ulCount));
    if (!created) return abi::toRv(created);
    *phObject = created.value();
    return CKR_OK;
  });
}

// Objects live on the appliance, one per key: there is nothing to copy into.
CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG,
                   CK_OBJECT_HANDLE_PTR) {
  return abi::guarded("C_CopyObject", [&] {
    auto ok = core::checkSession(hSession);
    return ok ? CKR_ACTION_PROHIBITED : abi::toRv(ok);
  });
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  return abi::guarded("C_DestroyObject",
                      [&] { return abi::toRv(core::destroyObject(hSession, hObject)); });
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) {
  return abi::guarded("C_GetObjectSize", [&] {
    if (!pulSize) return CKR_ARGUMENTS_BAD;
    auto size = core::objectSize(hSession, hObject);
    if (!size) return abi::toRv(size);
    *pulSize = size.value();
    return CKR_OK;
  });
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return abi::guarded("C_GetAttributeValue", [&] {
    if (!abi::validArray(pTemplate, ulCount)) return CKR_ARGUMENTS_BAD;
    std::vector<CK_ATTRIBUTE_TYPE> types;
    for (CK_ULONG i = 0; i < ulCount; ++i) types.push_back(pTemplate[i].type);
    auto values = core::attributeValues(hSession, hObject, types);
    if (!values) return abi::toRv(values);
    return abi::fillAttributes(values.value(), pTemplate);
  });
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return abi::guarded("C_SetAttributeValue", [&] {
    if (!abi::validArray(pTemplate, ulCount)) return CKR_ARGUMENTS_BAD;
    return abi::toRv(core::setAttributeValues(hSession, hObject, abi::asSpan(pTemplate, ulCount)));
  });
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return abi::guarded("C_FindObjectsInit", [&] {
    if (!abi::validArray(pTemplate, ulCount)) return CKR_ARGUMENTS_BAD;
    return abi::toRv(core::findObjectsInit(hSession, abi::asSpan(pTemplate, ulCount)));
  });
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount) {
  return abi::guarded("C_FindObjects", [&] {
    if (!pulObjectCount || (!phObject && ulMaxObjectCount)) return CKR_ARGUMENTS_BAD;
    auto found = core::findObjects(hSession, ulMaxObjectCount);
    if (!found) return abi::toRv(found);
    for (size_t i = 0; i < found->size(); ++i) phObject[i] = found.value()[i];
    *pulObjectCount = static_cast<CK_ULONG>(found->size());
    return CKR_OK;
  });
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  return abi::guarded("C_FindObjectsFinal",
                      [&] { return abi::toRv(core::findObjectsFinal(hSession)); });
}

}  // extern "C"
