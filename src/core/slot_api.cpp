// PKCS#11 v2.40 §5.4–5.5: library, slot and token information, mechanisms, PINs.
#include "core/api.hpp"
#include "core/context.hpp"
#include "mech/registry.hpp"

namespace p11nethsm::core {
namespace {

constexpr std::string_view kManufacturer = "Nitrokey";
constexpr CK_VERSION kLibraryVersion = {0, 1};

CK_VERSION versionOf(nethsm::FirmwareVersion v) {
  return CK_VERSION{static_cast<CK_BYTE>(v.major), static_cast<CK_BYTE>(v.minor)};
}

Result<std::shared_ptr<Slot>> presentSlot(CK_SLOT_ID id) {
  auto module = acquireModule();
  if (!module) return module.error();
  auto slot = module.value()->slot(id);
  if (!slot) return slot.error();
  if (!slot.value()->tokenPresent()) return ckError(CKR_TOKEN_NOT_PRESENT, "token not present");
  return slot;
}

// The serial number is the appliance's device ID (/system/info, administrator
// only); asked once when administrator credentials are at hand.
std::string serialNumberOf(Slot& slot) {
  std::string serial = slot.serialNumber();
  if (!serial.empty()) return serial;
  if (!slot.credentials().credentialsFor(nethsm::Role::kAdministrator)) return "unknown";
  auto info = slot.client().systemInfo();
  if (!info || info->deviceId.empty()) return "unknown";
  slot.setSerialNumber(info->deviceId);
  return info->deviceId;
}

CK_ULONG sessionCount(const Module& module, CK_SLOT_ID slot, bool rwOnly) {
  CK_ULONG n = 0;
  for (const auto& s : module.sessionsOf(slot))
    if (!rwOnly || s->readWrite()) ++n;
  return n;
}

}  // namespace

CK_INFO libraryInfo(CK_VERSION cryptokiVersion) {
  CK_INFO info{};
  info.cryptokiVersion = cryptokiVersion;
  padField(info.manufacturerID, kManufacturer);
  padField(info.libraryDescription, "p11nethsm NetHSM PKCS#11 module");
  info.libraryVersion = kLibraryVersion;
  return info;
}

Result<std::vector<CK_SLOT_ID>> slotList(bool tokenPresent) {
  auto module = acquireModule();
  if (!module) return module.error();
  std::vector<CK_SLOT_ID> out;
  for (const auto& slot : module.value()->slots())
    if (!tokenPresent || slot->tokenPresent()) out.push_back(slot->id());
  return out;
}

Result<CK_SLOT_INFO> slotInfo(CK_SLOT_ID id) {
  auto module = acquireModule();
  if (!module) return module.error();
  auto slot = module.value()->slot(id);
  if (!slot) return slot.error();
  const auto& cfg = slot.value()->config();
  CK_SLOT_INFO info{};
  padField(info.slotDescription, cfg.description ? *cfg.description : "NetHSM " + cfg.label);
  padField(info.manufacturerID, kManufacturer);
  // A token can disappear (appliance locked or unreachable): removable (§3.2).
  info.flags = CKF_HW_SLOT | CKF_REMOVABLE_DEVICE;
  if (slot.value()->tokenPresent()) info.flags |= CKF_TOKEN_PRESENT;
  info.hardwareVersion = CK_VERSION{1, 0};
  info.firmwareVersion = kLibraryVersion;
  return info;
}

Result<CK_TOKEN_INFO> tokenInfo(CK_SLOT_ID id) {
  auto slot = presentSlot(id);
  if (!slot) return slot.error();
  auto module = acquireModule();
  if (!module) return module.error();
  Slot& s = *slot.value();
  CK_TOKEN_INFO info{};
  padField(info.label, s.config().label);
  padField(info.manufacturerID, kManufacturer);
  padField(info.model, "NetHSM");
  padField(info.serialNumber, serialNumberOf(s));
  info.flags = CKF_RNG | CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;
  if (s.loginRequired()) info.flags |= CKF_LOGIN_REQUIRED;
  info.ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  info.ulSessionCount = sessionCount(*module.value(), id, false);
  info.ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info.ulRwSessionCount = sessionCount(*module.value(), id, true);
  info.ulMaxPinLen = 200;  // NetHSM passphrases: 10–200 characters (BEHAVIOUR.md §2)
  info.ulMinPinLen = 10;
  info.ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  info.ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info.ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info.ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info.hardwareVersion = CK_VERSION{1, 0};
  info.firmwareVersion = versionOf(s.client().capabilities().firmware);
  padField(info.utcTime, "");
  return info;
}

Result<CK_SLOT_ID> waitForSlotEvent(CK_FLAGS flags) {
  auto module = acquireModule();
  if (!module) return module.error();
  return module.value()->waitForSlotEvent((flags & CKF_DONT_BLOCK) != 0);
}

Result<std::vector<CK_MECHANISM_TYPE>> mechanismList(CK_SLOT_ID id) {
  auto slot = presentSlot(id);
  if (!slot) return slot.error();
  std::vector<CK_MECHANISM_TYPE> out;
  for (const auto& m : mech::mechanismsFor(slot.value()->client().capabilities()))
    out.push_back(m.type);
  return out;
}

Result<CK_MECHANISM_INFO> mechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type) {
  auto slot = presentSlot(id);
  if (!slot) return slot.error();
  for (const auto& m : mech::mechanismsFor(slot.value()->client().capabilities()))
    if (m.type == type) return m.info;
  return ckError(CKR_MECHANISM_INVALID, "mechanism not offered");
}

// C_SetPIN through POST /users/{id}/passphrase, authenticated with the old PIN: the
// SO's when the SO is logged in, else the user's (issue 5 §3).
Status setPin(CK_SESSION_HANDLE handle, std::string_view oldPin, std::string_view newPin) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (!ctx->session->readWrite()) return ckError(CKR_SESSION_READ_ONLY, "read-only session");
  if (newPin.size() < 10 || newPin.size() > 200) return ckError(CKR_PIN_LEN_RANGE, "PIN length");
  bool so = ctx->slot().loginState() == LoginState::kSecurityOfficer;
  auto role = so ? nethsm::Role::kAdministrator : nethsm::Role::kOperator;
  auto current = ctx->slot().credentials().credentialsFor(role);
  auto name = current ? std::optional(current->username) : ctx->slot().credentials().username(role);
  if (!name) return ckError(CKR_USER_TYPE_INVALID, "no user for this role");
  nethsm::BasicAuth auth{*name, SecretString(oldPin)};
  auto changed = ctx->slot().client().changePassphrase(auth, *name, SecretString(newPin));
  if (!changed) {
    if (changed.error().kind == ErrorKind::kUnauthorized ||
        changed.error().kind == ErrorKind::kRateLimited)
      return ckError(CKR_PIN_INCORRECT, "old PIN refused");
    return noteDeviceError(*ctx->session, changed);
  }
  if (ctx->slot().loginState() != LoginState::kNone)
    ctx->slot().credentials().setLogin(role, nethsm::BasicAuth{*name, SecretString(newPin)});
  return okStatus();
}

}  // namespace p11nethsm::core
