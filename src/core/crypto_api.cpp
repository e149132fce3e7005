// PKCS#11 v2.40 §5.8–5.12: driving the mechanism layer's operations. An operation is
// taken out of the session while its request runs, so no session lock is held
// during network I/O; a single or final call ends it, as does any error (§5.2).
#include "core/api.hpp"
#include "core/context.hpp"
#include "core/object_lookup.hpp"
#include "mech/registry.hpp"

namespace p11nethsm::core {
namespace {

size_t indexOf(OpType t) { return static_cast<size_t>(t); }

mech::OperationKind kindOf(OpType t) {
  switch (t) {
    case OpType::kSign:
      return mech::OperationKind::kSign;
    case OpType::kVerify:
      return mech::OperationKind::kVerify;
    case OpType::kEncrypt:
      return mech::OperationKind::kEncrypt;
    case OpType::kDecrypt:
      return mech::OperationKind::kDecrypt;
    case OpType::kDigest:
      return mech::OperationKind::kDigest;
  }
  return mech::OperationKind::kDigest;
}

CK_ATTRIBUTE_TYPE permissionOf(OpType t) {
  switch (t) {
    case OpType::kSign:
      return CKA_SIGN;
    case OpType::kVerify:
      return CKA_VERIFY;
    case OpType::kEncrypt:
      return CKA_ENCRYPT;
    case OpType::kDecrypt:
      return CKA_DECRYPT;
    case OpType::kDigest:
      return 0;
  }
  return 0;
}

Result<mech::KeyView> keyViewFor(const SessionContext& ctx, OpType type, CK_OBJECT_HANDLE key) {
  if (type == OpType::kDigest) return mech::KeyView{};
  auto object = visibleObject(ctx, key, CKR_KEY_HANDLE_INVALID);
  if (!object) return object.error();
  const Object& o = *object.value();
  if (o.objectClass == CKO_CERTIFICATE || !o.key)
    return ckError(CKR_KEY_HANDLE_INVALID, "not a key");
  auto allowed = o.attributes.find(permissionOf(type));
  if (allowed == o.attributes.end() || allowed->second.empty() || allowed->second[0] == CK_FALSE)
    return ckError(CKR_KEY_FUNCTION_NOT_PERMITTED, "key does not allow this function");
  mech::KeyView view;
  view.nethsmId = o.nethsmId;
  view.type = o.key->type;
  view.bits = o.bits;
  view.mechanisms = o.key->mechanisms;
  view.publicKeyDer = o.publicKeyDer;
  view.verifySignatures = ctx.slot().config().verifySignatures;
  return view;
}

// Takes the operation out of the session for a call outside the lock.
Result<std::shared_ptr<mech::Operation>> checkout(Session& s, OpType type) {
  std::lock_guard lock(s.mutex);
  auto& slot = s.operations[indexOf(type)];
  if (!slot || !slot->operation) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (slot->busy) return ckError(CKR_OPERATION_ACTIVE, "operation in use by another call");
  slot->busy = true;
  return slot->operation;
}

// Puts it back (`keep`) or ends it, unless it was cancelled or replaced meanwhile.
void checkin(Session& s, OpType type, const std::shared_ptr<mech::Operation>& op, bool keep) {
  std::lock_guard lock(s.mutex);
  auto& slot = s.operations[indexOf(type)];
  if (!slot || slot->operation != op) return;
  if (keep)
    slot->busy = false;
  else
    slot.reset();
}

template <class T, class Fn>
Result<T> runChecked(CK_SESSION_HANDLE handle, OpType type, bool keepOnSuccess, Fn&& fn) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  auto op = checkout(*ctx->session, type);
  if (!op) return op.error();
  Result<T> result = fn(*op.value());
  checkin(*ctx->session, type, op.value(), keepOnSuccess && result.ok());
  return noteDeviceError(*ctx->session, std::move(result));
}

}  // namespace

Status operationInit(CK_SESSION_HANDLE handle, OpType type, const CK_MECHANISM* mechanism,
                     CK_OBJECT_HANDLE key) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (!mechanism) return ckError(CKR_ARGUMENTS_BAD, "no mechanism");
  {
    std::lock_guard lock(ctx->session->mutex);
    if (ctx->session->operations[indexOf(type)])
      return ckError(CKR_OPERATION_ACTIVE, "operation active");
  }
  auto view = keyViewFor(*ctx, type, key);
  if (!view) return view.error();
  auto& client = ctx->slot().client();
  auto op = mech::createOperation(kindOf(type), *mechanism, view.value(), client,
                                  client.capabilities(), ctx->slot().threadsAllowed());
  if (!op) return op.error();
  std::lock_guard lock(ctx->session->mutex);
  auto& slot = ctx->session->operations[indexOf(type)];
  if (slot) return ckError(CKR_OPERATION_ACTIVE, "operation active");
  slot.emplace();
  slot->operation = std::shared_ptr<mech::Operation>(std::move(op).value());
  return okStatus();
}

Result<OutputBound> outputBound(CK_SESSION_HANDLE handle, OpType type, Stage stage,
                                size_t inputLen) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  std::lock_guard lock(ctx->session->mutex);
  auto& slot = ctx->session->operations[indexOf(type)];
  if (!slot) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (slot->pending && slot->pendingStage == stage)
    return OutputBound{slot->pending->size(), true, true};
  if (!slot->operation) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (stage == Stage::kUpdate)
    return OutputBound{slot->operation->updateOutputBound(inputLen), false, true};
  // Signatures and digests have a size known in advance; the rest of a multi-part
  // encryption or decryption is known only once computed.
  bool fixedSize = type == OpType::kSign || type == OpType::kDigest;
  if (stage == Stage::kFinal && !fixedSize) return OutputBound{0, false, false};
  return OutputBound{slot->operation->outputSizeBound(inputLen), fixedSize, true};
}

Result<Bytes> runSingle(CK_SESSION_HANDLE handle, OpType type, std::span<const uint8_t> input) {
  return runChecked<Bytes>(handle, type, false,
                           [&](mech::Operation& op) { return op.single(input); });
}

Result<Bytes> runUpdate(CK_SESSION_HANDLE handle, OpType type, std::span<const uint8_t> input) {
  return runChecked<Bytes>(handle, type, true,
                           [&](mech::Operation& op) { return op.update(input); });
}

Result<Bytes> runFinal(CK_SESSION_HANDLE handle, OpType type) {
  return runChecked<Bytes>(handle, type, false, [&](mech::Operation& op) { return op.finish(); });
}

Status verifySingle(CK_SESSION_HANDLE handle, std::span<const uint8_t> data,
                    std::span<const uint8_t> signature) {
  return runChecked<Ok>(handle, OpType::kVerify, false,
                        [&](mech::Operation& op) { return op.verify(data, signature); });
}

Status verifyFinal(CK_SESSION_HANDLE handle, std::span<const uint8_t> signature) {
  return runChecked<Ok>(handle, OpType::kVerify, false,
                        [&](mech::Operation& op) { return op.verifyFinish(signature); });
}

Result<std::optional<Bytes>> pendingOutput(CK_SESSION_HANDLE handle, OpType type, Stage stage) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  std::lock_guard lock(ctx->session->mutex);
  auto& slot = ctx->session->operations[indexOf(type)];
  if (!slot) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (slot->pending && slot->pendingStage == stage) return std::optional<Bytes>(*slot->pending);
  return std::optional<Bytes>();
}

Status storePendingOutput(CK_SESSION_HANDLE handle, OpType type, Stage stage, Bytes output) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  std::lock_guard lock(ctx->session->mutex);
  auto& slot = ctx->session->operations[indexOf(type)];
  if (!slot) slot.emplace();  // a finished single/final call waiting for its buffer
  slot->pending = std::move(output);
  slot->pendingStage = stage;
  return okStatus();
}

void pendingDelivered(CK_SESSION_HANDLE handle, OpType type, Stage stage) {
  auto ctx = sessionContext(handle);
  if (!ctx) return;
  std::lock_guard lock(ctx->session->mutex);
  auto& slot = ctx->session->operations[indexOf(type)];
  if (!slot) return;
  if (stage == Stage::kUpdate)
    slot->pending.reset();
  else
    slot.reset();
}

void endOperation(CK_SESSION_HANDLE handle, OpType type) {
  auto ctx = sessionContext(handle);
  if (!ctx) return;
  std::lock_guard lock(ctx->session->mutex);
  ctx->session->operations[indexOf(type)].reset();
}

Result<Bytes> generateRandom(CK_SESSION_HANDLE handle, size_t length) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (length == 0) return Bytes();
  return noteDeviceError(*ctx->session, ctx->slot().client().random(length));
}

// The appliance has its own entropy and takes no seed (§5.15).
Status seedRandom(CK_SESSION_HANDLE handle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  return ckError(CKR_RANDOM_SEED_NOT_SUPPORTED, "seeding not supported");
}

}  // namespace p11nethsm::core
