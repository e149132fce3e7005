// PKCS#11 v2.40 §5.8–5.12: driving the mechanism layer's operations. An operation is
// taken out of the session while its request runs, so no session lock is held
// during network I/O; a single or final call ends it, as does any error (§5.2).
// The two-call rule is one function, produceOutput, deciding everything from one
// look at the session (as kryoptic's fn_sign does under its session guard; unlike
// it, the guard is let go for the request and taken again to settle).
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

using OperationPtr = std::shared_ptr<mech::Operation>;
using OperationSlot = std::optional<ActiveOperation>;

// Takes the operation out of the session for a call outside the lock.
Result<OperationPtr> checkoutLocked(OperationSlot& slot) {
  if (!slot || !slot->operation) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (slot->busy) return ckError(CKR_OPERATION_ACTIVE, "operation in use by another call");
  slot->busy = true;
  return slot->operation;
}

// Puts it back (`keep`) or ends it, unless it was cancelled or replaced meanwhile.
void checkinLocked(OperationSlot& slot, const OperationPtr& op, bool keep) {
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
  Session& s = *ctx->session;
  OperationSlot& slot = s.operations[indexOf(type)];
  Result<OperationPtr> op = [&] {
    std::lock_guard lock(s.mutex);
    return checkoutLocked(slot);
  }();
  if (!op) return op.error();
  Result<T> result = fn(*op.value());  // network I/O: no lock held
  std::lock_guard lock(s.mutex);
  checkinLocked(slot, op.value(), keepOnSuccess && result.ok());
  noteDeviceErrorLocked(s, result);
  return result;
}

// The two-call rule (PKCS#11 v2.40 §5.2), the parts decided without computing.
// The output's size when it answers the call alone: a size query with a known
// bound, or a buffer smaller than an exact size. Signatures and digests have an
// exact size; single-part encryption/decryption and updates a bound; the rest of a
// multi-part encryption or decryption is known only once computed.
std::optional<size_t> sizeAnswer(const mech::Operation& op, OpType type, Stage stage,
                                 size_t inputLen, OutputCapacity capacity) {
  bool fixedSize = type == OpType::kSign || type == OpType::kDigest;
  if (stage == Stage::kFinal && !fixedSize) return std::nullopt;
  bool exact = fixedSize && stage != Stage::kUpdate;
  size_t bound =
      stage == Stage::kUpdate ? op.updateOutputBound(inputLen) : op.outputSizeBound(inputLen);
  if (!capacity || (exact && *capacity < bound)) return bound;
  return std::nullopt;
}

// The output an earlier call computed for a buffer too small: its size, or the
// output itself once it fits, which ends a single or final call's operation.
Output takePendingLocked(OperationSlot& slot, Stage stage, OutputCapacity capacity) {
  size_t size = slot->pending->size();
  if (!capacity || *capacity < size) return Output{size, std::nullopt};
  Output out{size, std::move(slot->pending)};
  if (stage == Stage::kUpdate)
    slot->pending.reset();
  else
    slot.reset();
  return out;
}

// Before any request: the answer when the session knows it, else the operation
// checked out (busy) for computing.
struct Prepared {
  std::optional<Output> answer;
  OperationPtr operation;
};

Result<Prepared> prepareLocked(OperationSlot& slot, OpType type, Stage stage, size_t inputLen,
                               OutputCapacity capacity) {
  if (!slot) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (slot->pending && slot->pendingStage == stage)
    return Prepared{takePendingLocked(slot, stage, capacity), nullptr};
  if (!slot->operation) return ckError(CKR_OPERATION_NOT_INITIALIZED, "no operation");
  if (auto size = sizeAnswer(*slot->operation, type, stage, inputLen, capacity))
    return Prepared{Output{*size, std::nullopt}, nullptr};
  auto op = checkoutLocked(slot);
  if (!op) return op.error();
  return Prepared{std::nullopt, std::move(op).value()};
}

// After the request: the output delivered ends a single or final call's operation
// (an update's continues); an output that does not fit is kept for the next call of
// the same stage. An operation cancelled meanwhile (C_SessionCancel) keeps nothing.
Output settleLocked(OperationSlot& slot, const OperationPtr& op, Stage stage, Bytes data,
                    OutputCapacity capacity) {
  size_t size = data.size();
  if (capacity && *capacity >= size) {
    checkinLocked(slot, op, stage == Stage::kUpdate);
    return Output{size, std::move(data)};
  }
  if (slot && slot->operation == op) {
    slot->busy = false;
    if (stage != Stage::kUpdate) slot->operation.reset();  // done: only its output remains
    slot->pending = std::move(data);
    slot->pendingStage = stage;
  }
  return Output{size, std::nullopt};
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

// One session lookup; the session's mutex is taken before the request (answer or
// check out) and after it (settle), never across it.
Result<Output> produceOutput(CK_SESSION_HANDLE handle, OpType type, Stage stage,
                             std::span<const uint8_t> input, OutputCapacity capacity) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  Session& s = *ctx->session;
  OperationSlot& slot = s.operations[indexOf(type)];
  OperationPtr op;
  {
    std::lock_guard lock(s.mutex);
    auto prepared = prepareLocked(slot, type, stage, input.size(), capacity);
    if (!prepared) return prepared.error();
    if (prepared->answer) return std::move(*prepared->answer);
    op = std::move(prepared->operation);
  }
  // Network I/O with no lock held; the operation is checked out (busy) meanwhile.
  Result<Bytes> result = stage == Stage::kSingle   ? op->single(input)
                         : stage == Stage::kUpdate ? op->update(input)
                                                   : op->finish();
  std::lock_guard lock(s.mutex);
  noteDeviceErrorLocked(s, result);
  if (!result) {
    checkinLocked(slot, op, false);
    return result.error();
  }
  return settleLocked(slot, op, stage, std::move(result).value(), capacity);
}

Result<Bytes> runUpdate(CK_SESSION_HANDLE handle, OpType type, std::span<const uint8_t> input) {
  return runChecked<Bytes>(handle, type, true,
                           [&](mech::Operation& op) { return op.update(input); });
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
