// PKCS#11 v2.40 §5.7 object management: reading attributes and searching.
#include "core/api.hpp"
#include "core/context.hpp"
#include "core/object_lookup.hpp"

namespace p11nethsm::core {

Result<ObjectPtr> visibleObject(const SessionContext& ctx, CK_OBJECT_HANDLE handle,
                                CK_RV invalidRv) {
  auto object = ctx.slot().objects().get(handle);
  if (!object) object = ctx.slot().sessionObject(handle);
  if (!object || (object->isPrivate && !ctx.slot().privateAccess()))
    return ckError(invalidRv, "no such object");
  return object;
}

Result<std::vector<AttributeValue>> attributeValues(CK_SESSION_HANDLE handle,
                                                    CK_OBJECT_HANDLE objectHandle,
                                                    std::span<const CK_ATTRIBUTE_TYPE> types) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  auto object = visibleObject(*ctx, objectHandle, CKR_OBJECT_HANDLE_INVALID);
  if (!object) return object.error();
  std::vector<AttributeValue> out;
  out.reserve(types.size());
  for (CK_ATTRIBUTE_TYPE type : types) {
    AttributeValue v;
    if (object.value()->sensitive.count(type)) {
      v.state = AttributeState::kSensitive;
    } else if (auto it = object.value()->attributes.find(type);
               it != object.value()->attributes.end()) {
      v.state = AttributeState::kPresent;
      v.value = it->second;
    }
    out.push_back(std::move(v));
  }
  return out;
}

// The memory the object takes on the token is not known; the size of its attribute
// values is a fair, stable answer (§5.7 C_GetObjectSize allows an approximation).
Result<CK_ULONG> objectSize(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE objectHandle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  auto object = visibleObject(*ctx, objectHandle, CKR_OBJECT_HANDLE_INVALID);
  if (!object) return object.error();
  CK_ULONG size = 0;
  for (const auto& [type, value] : object.value()->attributes) size += value.size();
  return size;
}

Status findObjectsInit(CK_SESSION_HANDLE handle, std::span<const CK_ATTRIBUTE> tmpl) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  Session& s = *ctx->session;
  {
    std::lock_guard lock(s.mutex);
    if (s.find.active) return ckError(CKR_OPERATION_ACTIVE, "search active");
    s.find = FindState{};
    s.find.active = true;  // reserved while the store fetches without the lock
  }
  auto found = ctx->slot().objects().find(tmpl, ctx->slot().privateAccess());
  std::vector<CK_OBJECT_HANDLE> sessionMatches;  // session objects never need the network
  for (const auto& o : ctx->slot().sessionObjects())
    if (matchesTemplate(*o, tmpl)) sessionMatches.push_back(o->handle);
  std::lock_guard lock(s.mutex);
  s.find.results = sessionMatches;
  // Without any credentials the appliance shows nothing, not even public keys: a
  // public session finds no objects rather than failing (§5.7 has no login rule).
  if (!found && found.error().kind == ErrorKind::kNoCredentials) return okStatus();
  if (!found) {
    s.find = FindState{};
    return noteDeviceErrorLocked(s, found.error());
  }
  for (const auto& o : found.value()) s.find.results.push_back(o->handle);
  s.deviceError = 0;  // a successful call clears it (context.hpp noteDeviceError)
  return okStatus();
}

Result<std::vector<CK_OBJECT_HANDLE>> findObjects(CK_SESSION_HANDLE handle, size_t max) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  Session& s = *ctx->session;
  std::lock_guard lock(s.mutex);
  if (!s.find.active) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no search");
  std::vector<CK_OBJECT_HANDLE> out;
  while (out.size() < max && s.find.next < s.find.results.size())
    out.push_back(s.find.results[s.find.next++]);
  return out;
}

Status findObjectsFinal(CK_SESSION_HANDLE handle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  std::lock_guard lock(ctx->session->mutex);
  if (!ctx->session->find.active) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no search");
  ctx->session->find = FindState{};
  return okStatus();
}

}  // namespace p11nethsm::core
