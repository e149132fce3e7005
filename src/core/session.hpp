#pragma once
// A Cryptoki session (PKCS#11 v2.40 §5.6): shared_ptr with its own mutex, holding the
// active operations and the search. The mutex is never held during network I/O: an
// operation is taken out of the session for the duration of the request.
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/slot.hpp"
#include "mech/operation.hpp"

namespace p11nethsm::core {

// The operation families that may be active at once in a session.
enum class OpType { kSign = 0, kVerify, kEncrypt, kDecrypt, kDigest };
inline constexpr size_t kOpTypeCount = 5;

// Which call produced an output (single-part, update or final).
enum class Stage { kSingle, kUpdate, kFinal };

struct ActiveOperation {
  std::shared_ptr<mech::Operation> operation;  // null while only `pending` remains
  bool busy = false;                           // a request runs outside the lock
  // Output computed for a buffer that was too small (PKCS#11 v2.40 §5.2): returned by
  // the next call of the same stage instead of computing again.
  std::optional<Bytes> pending;
  Stage pendingStage = Stage::kSingle;
};

struct FindState {
  bool active = false;
  std::vector<CK_OBJECT_HANDLE> results;
  size_t next = 0;
};

struct Session {
  Session(CK_SESSION_HANDLE h, std::shared_ptr<Slot> s, CK_FLAGS f)
      : handle(h), slot(std::move(s)), flags(f) {}

  const CK_SESSION_HANDLE handle;
  const std::shared_ptr<Slot> slot;
  const CK_FLAGS flags;  // CKF_SERIAL_SESSION | CKF_RW_SESSION

  std::mutex mutex;  // guards everything below
  std::array<std::optional<ActiveOperation>, kOpTypeCount> operations;
  FindState find;
  CK_ULONG deviceError = 0;  // last NetHSM HTTP status after CKR_DEVICE_ERROR

  bool readWrite() const { return (flags & CKF_RW_SESSION) != 0; }
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace p11nethsm::core
