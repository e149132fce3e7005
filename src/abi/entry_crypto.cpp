// PKCS#11 v2.40 §5.8–5.13: encryption, decryption, digests, signatures and
// verification. Output follows the two-call rule (output_buffer.hpp); an error
// other than CKR_BUFFER_TOO_SMALL or a size query ends the operation (§5.2).
#include "abi/guard.hpp"
#include "abi/output_buffer.hpp"
#include "core/api.hpp"

using namespace p11nethsm;
using core::OpType;
using core::Stage;

namespace {

std::span<const uint8_t> bytes(CK_BYTE_PTR p, CK_ULONG len) {
  return p ? std::span<const uint8_t>(p, len) : std::span<const uint8_t>();
}

CK_RV init(const char* name, CK_SESSION_HANDLE h, OpType type, CK_MECHANISM_PTR mechanism,
           CK_OBJECT_HANDLE key) {
  return abi::guarded(name, [&] {
    if (!mechanism) return CKR_ARGUMENTS_BAD;
    return abi::toRv(core::operationInit(h, type, mechanism, key));
  });
}

CK_RV badInput(CK_SESSION_HANDLE h, OpType type) {
  core::endOperation(h, type);
  return CKR_ARGUMENTS_BAD;
}

// Every call with output: C_Encrypt, C_*Update with output, C_*Final (no input).
CK_RV withOutput(const char* name, CK_SESSION_HANDLE h, OpType type, Stage stage, CK_BYTE_PTR in,
                 CK_ULONG inLen, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return abi::guarded(name, [&] {
    if (!abi::validArray(in, inLen)) return badInput(h, type);
    return abi::deliverOutput(h, type, stage, bytes(in, inLen), out, outLen);
  });
}

CK_RV updateNoOutput(const char* name, CK_SESSION_HANDLE h, OpType type, CK_BYTE_PTR in,
                     CK_ULONG inLen) {
  return abi::guarded(name, [&] {
    if (!abi::validArray(in, inLen)) return badInput(h, type);
    return abi::toRv(core::runUpdate(h, type, bytes(in, inLen)));
  });
}

CK_RV unsupportedForSession(const char* name, CK_SESSION_HANDLE h) {
  return abi::guarded(name, [&] {
    auto ok = core::checkSession(h);
    return ok ? CKR_FUNCTION_NOT_SUPPORTED : abi::toRv(ok);
  });
}

}  // namespace

extern "C" {

CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
  return init("C_EncryptInit", h, OpType::kEncrypt, m, k);
}
CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen) {
  return withOutput("C_Encrypt", h, OpType::kEncrypt, Stage::kSingle, pData, ulDataLen,
                    pEncryptedData, pulEncryptedDataLen);
}
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                      CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) {
  return withOutput("C_EncryptUpdate", h, OpType::kEncrypt, Stage::kUpdate, pPart, ulPartLen,
                    pEncryptedPart, pulEncryptedPartLen);
}
CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pLastEncryptedPart,
                     CK_ULONG_PTR pulLastEncryptedPartLen) {
  return withOutput("C_EncryptFinal", h, OpType::kEncrypt, Stage::kFinal, nullptr, 0,
                    pLastEncryptedPart, pulLastEncryptedPartLen);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
  return init("C_DecryptInit", h, OpType::kDecrypt, m, k);
}
CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen,
                CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) {
  return withOutput("C_Decrypt", h, OpType::kDecrypt, Stage::kSingle, pEncryptedData,
                    ulEncryptedDataLen, pData, pulDataLen);
}
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen,
                      CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) {
  return withOutput("C_DecryptUpdate", h, OpType::kDecrypt, Stage::kUpdate, pEncryptedPart,
                    ulEncryptedPartLen, pPart, pulPartLen);
}
CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen) {
  return withOutput("C_DecryptFinal", h, OpType::kDecrypt, Stage::kFinal, nullptr, 0, pLastPart,
                    pulLastPartLen);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m) {
  return init("C_DigestInit", h, OpType::kDigest, m, CK_INVALID_HANDLE);
}
CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
               CK_ULONG_PTR pulDigestLen) {
  return withOutput("C_Digest", h, OpType::kDigest, Stage::kSingle, pData, ulDataLen, pDigest,
                    pulDigestLen);
}
CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return updateNoOutput("C_DigestUpdate", h, OpType::kDigest, pPart, ulPartLen);
}
// Keys never leave the appliance, so none can be digested (§5.10).
CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE) {
  return abi::guarded("C_DigestKey", [&] {
    auto ok = core::checkSession(h);
    return ok ? CKR_KEY_INDIGESTIBLE : abi::toRv(ok);
  });
}
CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
  return withOutput("C_DigestFinal", h, OpType::kDigest, Stage::kFinal, nullptr, 0, pDigest,
                    pulDigestLen);
}

CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
  return init("C_SignInit", h, OpType::kSign, m, k);
}
CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen) {
  return withOutput("C_Sign", h, OpType::kSign, Stage::kSingle, pData, ulDataLen, pSignature,
                    pulSignatureLen);
}
CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return updateNoOutput("C_SignUpdate", h, OpType::kSign, pPart, ulPartLen);
}
CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return withOutput("C_SignFinal", h, OpType::kSign, Stage::kFinal, nullptr, 0, pSignature,
                    pulSignatureLen);
}
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return unsupportedForSession("C_SignRecoverInit", h);
}
CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_SignRecover", h);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
  return init("C_VerifyInit", h, OpType::kVerify, m, k);
}
CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
               CK_ULONG ulSignatureLen) {
  return abi::guarded("C_Verify", [&] {
    if (!abi::validArray(pData, ulDataLen) || !abi::validArray(pSignature, ulSignatureLen))
      return badInput(h, OpType::kVerify);
    return abi::toRv(
        core::verifySingle(h, bytes(pData, ulDataLen), bytes(pSignature, ulSignatureLen)));
  });
}
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return updateNoOutput("C_VerifyUpdate", h, OpType::kVerify, pPart, ulPartLen);
}
CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return abi::guarded("C_VerifyFinal", [&] {
    if (!abi::validArray(pSignature, ulSignatureLen)) return badInput(h, OpType::kVerify);
    return abi::toRv(core::verifyFinal(h, bytes(pSignature, ulSignatureLen)));
  });
}
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return unsupportedForSession("C_VerifyRecoverInit", h);
}
CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_VerifyRecover", h);
}

// Dual-function operations (§5.13) are not offered.
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_DigestEncryptUpdate", h);
}
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_DecryptDigestUpdate", h);
}
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_SignEncryptUpdate", h);
}
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_DecryptVerifyUpdate", h);
}

}  // extern "C"
