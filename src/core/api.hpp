#pragma once
// What the ABI layer calls: one function per Cryptoki function, in PKCS#11 terms but
// with no raw out-parameters (abi copies results into the caller's buffers). Every
// function returns CKR_CRYPTOKI_NOT_INITIALIZED itself when the module is not
// initialized. Grouped by chapter of PKCS#11 v2.40 §5.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/session.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/encoding.hpp"
#include "util/result.hpp"

namespace p11nethsm::core {

// §5.4 general purpose.
CK_INFO libraryInfo(CK_VERSION cryptokiVersion);

// §5.5 slot and token management.
Result<std::vector<CK_SLOT_ID>> slotList(bool tokenPresent);
Result<CK_SLOT_INFO> slotInfo(CK_SLOT_ID slot);
Result<CK_TOKEN_INFO> tokenInfo(CK_SLOT_ID slot);
Result<CK_SLOT_ID> waitForSlotEvent(CK_FLAGS flags);
Result<std::vector<CK_MECHANISM_TYPE>> mechanismList(CK_SLOT_ID slot);
Result<CK_MECHANISM_INFO> mechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type);
Status setPin(CK_SESSION_HANDLE session, std::string_view oldPin, std::string_view newPin);

// §5.6 session management.
Result<CK_SESSION_HANDLE> openSession(CK_SLOT_ID slot, CK_FLAGS flags);
Status closeSession(CK_SESSION_HANDLE session);
Status closeAllSessions(CK_SLOT_ID slot);
Result<CK_SESSION_INFO> sessionInfo(CK_SESSION_HANDLE session);
// `username` set: C_LoginUser (PKCS#11 3.0), any user name incl. "ns~user".
Status login(CK_SESSION_HANDLE session, CK_USER_TYPE userType, std::string_view pin,
             const std::optional<std::string>& username);
Status logout(CK_SESSION_HANDLE session);
Status sessionCancel(CK_SESSION_HANDLE session, CK_FLAGS flags);  // PKCS#11 3.0 §5.6

// §5.7 object management.
enum class AttributeState { kPresent, kInvalid, kSensitive };
struct AttributeValue {
  AttributeState state = AttributeState::kInvalid;
  Bytes value;
};
Result<std::vector<AttributeValue>> attributeValues(CK_SESSION_HANDLE session,
                                                    CK_OBJECT_HANDLE object,
                                                    std::span<const CK_ATTRIBUTE_TYPE> types);
Result<CK_ULONG> objectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);
Status findObjectsInit(CK_SESSION_HANDLE session, std::span<const CK_ATTRIBUTE> tmpl);
Result<std::vector<CK_OBJECT_HANDLE>> findObjects(CK_SESSION_HANDLE session, size_t max);
Status findObjectsFinal(CK_SESSION_HANDLE session);
Result<CK_OBJECT_HANDLE> createObject(CK_SESSION_HANDLE session,
                                      std::span<const CK_ATTRIBUTE> tmpl);
Status destroyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);
Status setAttributeValues(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                          std::span<const CK_ATTRIBUTE> tmpl);

// §5.8–5.12 cryptographic operations. Single and final stages end the operation on
// success and on any error; a buffer too small keeps it (§5.2).
Status operationInit(CK_SESSION_HANDLE session, OpType type, const CK_MECHANISM* mechanism,
                     CK_OBJECT_HANDLE key);
// The caller's output buffer: nullopt for a NULL buffer (a size query), else its
// length in bytes.
using OutputCapacity = std::optional<size_t>;
struct Output {
  size_t size = 0;            // what the caller's length becomes
  std::optional<Bytes> data;  // the output when it fits; else only its size is told
};
// The two-call rule (PKCS#11 v2.40 §5.2) for every call with output (C_Encrypt,
// C_Decrypt, C_Sign, C_Digest, C_EncryptUpdate, C_DecryptUpdate, C_*Final), in one
// call: a size query, or a buffer smaller than an exact size (signatures, digests),
// is answered from the operation without network; otherwise the output is computed
// (no lock held during the request), and one that does not fit is kept as the
// pending output that answers the next call of the same stage.
Result<Output> produceOutput(CK_SESSION_HANDLE session, OpType type, Stage stage,
                             std::span<const uint8_t> input, OutputCapacity capacity);
// C_SignUpdate, C_VerifyUpdate, C_DigestUpdate (no output).
Result<Bytes> runUpdate(CK_SESSION_HANDLE session, OpType type, std::span<const uint8_t> input);
Status verifySingle(CK_SESSION_HANDLE session, std::span<const uint8_t> data,
                    std::span<const uint8_t> signature);
Status verifyFinal(CK_SESSION_HANDLE session, std::span<const uint8_t> signature);
// Ends the operation (argument errors detected by the ABI).
void endOperation(CK_SESSION_HANDLE session, OpType type);

// §5.14 key management.
Result<std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE>> generateKeyPair(
    CK_SESSION_HANDLE session, const CK_MECHANISM* mechanism,
    std::span<const CK_ATTRIBUTE> publicTemplate, std::span<const CK_ATTRIBUTE> privateTemplate);
Result<CK_OBJECT_HANDLE> generateKey(CK_SESSION_HANDLE session, const CK_MECHANISM* mechanism,
                                     std::span<const CK_ATTRIBUTE> tmpl);

// §5.15 random numbers.
Result<Bytes> generateRandom(CK_SESSION_HANDLE session, size_t length);
Status seedRandom(CK_SESSION_HANDLE session);

// Checks that the module is initialized and the session exists (for functions that
// are not supported but must still report the session errors first).
Status checkSession(CK_SESSION_HANDLE session);

}  // namespace p11nethsm::core
