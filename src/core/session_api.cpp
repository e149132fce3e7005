// PKCS#11 v2.40 §5.6 session management and token-wide login (§6.6).
#include "core/api.hpp"
#include "core/context.hpp"
#include "log/log.hpp"

namespace p11nethsm::core {
namespace {

using nethsm::Role;

// The spec's session states (PKCS#11 v2.40 §5.6 tables 8–9). Passwords from the
// configuration act as a login for the state (OpenDNSSEC checks it), not for
// USER_ALREADY_LOGGED_IN.
CK_STATE sessionState(const Session& s) {
  LoginState login = s.slot->loginState();
  bool rw = s.readWrite();
  if (login == LoginState::kSecurityOfficer) return CKS_RW_SO_FUNCTIONS;
  if (login == LoginState::kUser || !s.slot->loginRequired())
    return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
  return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
}

// The object cache follows whose keys the credentials show (ObjectStore::setNamespace).
void followIdentity(Slot& slot) { slot.objects().setNamespace(slot.credentials().readNamespace()); }

void logoutSlot(Slot& slot) {
  slot.credentials().clearLogins();
  followIdentity(slot);
  slot.setLoginState(LoginState::kNone);
}

// Only the appliance's 401 says the PIN is wrong (and a valid user of another role
// is not the user asked for). A 429 is no verdict: it follows someone's failed
// attempt with this user name within a second (BEHAVIOUR.md "Rate limiting"), the
// client waits it out (nethsm/throttle.hpp), and one still left when timeout_seconds
// is over stays kRateLimited (CKR_DEVICE_ERROR, ulDeviceError 429).
Status verifyCredentials(Slot& slot, Role role, const nethsm::BasicAuth& auth) {
  auto verified = slot.client().verifyLogin(role, auth);
  if (verified) return okStatus();
  switch (verified.error().kind) {
    case ErrorKind::kUnauthorized:
    case ErrorKind::kForbidden:
    case ErrorKind::kNotFound:
      return ckError(CKR_PIN_INCORRECT, "login refused: " + verified.error().message);
    default:
      return verified.error();
  }
}

Status checkLoginAllowed(const SessionContext& ctx, LoginState wanted) {
  LoginState current = ctx.slot().loginState();
  if (current == wanted) return ckError(CKR_USER_ALREADY_LOGGED_IN, "already logged in");
  if (current != LoginState::kNone)
    return ckError(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "another user is logged in");
  if (wanted == LoginState::kSecurityOfficer) {
    for (const auto& s : ctx.module->sessionsOf(ctx.slot().id()))
      if (!s->readWrite()) return ckError(CKR_SESSION_READ_ONLY_EXISTS, "read-only session");
  }
  return okStatus();
}

}  // namespace

Result<SessionContext> sessionContext(CK_SESSION_HANDLE handle) {
  auto module = acquireModule();
  if (!module) return module.error();
  auto session = module.value()->session(handle);
  if (!session) return session.error();
  return SessionContext{module.value(), session.value()};
}

Status checkSession(CK_SESSION_HANDLE handle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  return okStatus();
}

Result<CK_SESSION_HANDLE> openSession(CK_SLOT_ID slotId, CK_FLAGS flags) {
  auto module = acquireModule();
  if (!module) return module.error();
  auto slot = module.value()->slot(slotId);
  if (!slot) return slot.error();
  if (!(flags & CKF_SERIAL_SESSION))
    return ckError(CKR_SESSION_PARALLEL_NOT_SUPPORTED, "CKF_SERIAL_SESSION required");
  if (!slot.value()->tokenPresent()) return ckError(CKR_TOKEN_NOT_PRESENT, "token not present");
  if (!(flags & CKF_RW_SESSION) && slot.value()->loginState() == LoginState::kSecurityOfficer)
    return ckError(CKR_SESSION_READ_WRITE_SO_EXISTS, "SO is logged in");
  auto session =
      module.value()->openSession(slot.value(), flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION));
  return session->handle;
}

// Closing never waits for the network: an operation running in another thread keeps
// its own reference to the session (issue 5 §7).
Status closeSession(CK_SESSION_HANDLE handle) {
  auto module = acquireModule();
  if (!module) return module.error();
  auto removed = module.value()->removeSession(handle);
  if (!removed) return ckError(CKR_SESSION_HANDLE_INVALID, "no such session");
  removed->slot->dropSessionObjects(handle);
  // The last session of the token closed: the application is logged out (§5.6).
  if (module.value()->sessionsOf(removed->slot->id()).empty()) logoutSlot(*removed->slot);
  return okStatus();
}

Status closeAllSessions(CK_SLOT_ID slotId) {
  auto module = acquireModule();
  if (!module) return module.error();
  auto slot = module.value()->slot(slotId);
  if (!slot) return slot.error();
  module.value()->removeSessions(slotId);
  slot.value()->dropSessionObjects(std::nullopt);
  logoutSlot(*slot.value());
  return okStatus();
}

Result<CK_SESSION_INFO> sessionInfo(CK_SESSION_HANDLE handle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  CK_SESSION_INFO info{};
  info.slotID = ctx->slot().id();
  info.state = sessionState(*ctx->session);
  info.flags = ctx->session->flags;
  std::lock_guard lock(ctx->session->mutex);
  info.ulDeviceError = ctx->session->deviceError;
  return info;
}

Status login(CK_SESSION_HANDLE handle, CK_USER_TYPE userType, std::string_view pin,
             const std::optional<std::string>& username) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (userType == CKU_CONTEXT_SPECIFIC)  // no key needs CKA_ALWAYS_AUTHENTICATE
    return ckError(CKR_OPERATION_NOT_INITIALIZED, "no context-specific login needed");
  if (userType != CKU_USER && userType != CKU_SO)
    return ckError(CKR_USER_TYPE_INVALID, "user type");
  bool so = userType == CKU_SO;
  LoginState wanted = so ? LoginState::kSecurityOfficer : LoginState::kUser;
  if (auto allowed = checkLoginAllowed(*ctx, wanted); !allowed) return allowed;
  Role role = so ? Role::kAdministrator : Role::kOperator;
  // CKU_SO without a configured administrator: "admin", the user provisioning makes.
  std::optional<std::string> name = username ? username : ctx->slot().credentials().username(role);
  if (!name && so) name = "admin";
  if (!name) return ckError(CKR_USER_TYPE_INVALID, "no operator configured for this slot");
  nethsm::BasicAuth auth{*name, SecretString(pin)};
  if (auto verified = verifyCredentials(ctx->slot(), role, auth); !verified)
    return noteDeviceError(*ctx->session, verified);
  if (auto again = checkLoginAllowed(*ctx, wanted); !again) return again;  // raced
  ctx->slot().credentials().setLogin(role, std::move(auth));
  followIdentity(ctx->slot());
  ctx->slot().setLoginState(wanted);
  log::info("logged in as " + std::string(so ? "SO" : "user") + " '" + *name + "'");
  return okStatus();
}

Status logout(CK_SESSION_HANDLE handle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (ctx->slot().loginState() == LoginState::kNone)
    return ckError(CKR_USER_NOT_LOGGED_IN, "not logged in");
  logoutSlot(ctx->slot());
  return okStatus();
}

Status sessionCancel(CK_SESSION_HANDLE handle, CK_FLAGS flags) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  static constexpr std::pair<CK_FLAGS, OpType> kFlags[] = {{CKF_SIGN, OpType::kSign},
                                                           {CKF_VERIFY, OpType::kVerify},
                                                           {CKF_ENCRYPT, OpType::kEncrypt},
                                                           {CKF_DECRYPT, OpType::kDecrypt},
                                                           {CKF_DIGEST, OpType::kDigest}};
  std::lock_guard lock(ctx->session->mutex);
  for (const auto& [flag, type] : kFlags)
    if (flags & flag) ctx->session->operations[static_cast<size_t>(type)].reset();
  if (flags & CKF_FIND_OBJECTS) ctx->session->find = FindState{};
  return okStatus();
}

}  // namespace p11nethsm::core
