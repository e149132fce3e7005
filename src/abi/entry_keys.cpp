// PKCS#11 v2.40 §5.14 key management and §5.15 random numbers.
#include "abi/guard.hpp"
#include "core/api.hpp"

using namespace p11nethsm;

namespace {

CK_RV unsupportedForSession(const char* name, CK_SESSION_HANDLE h) {
  return abi::guarded(name, [&] {
    auto ok = core::checkSession(h);
    return ok ? CKR_FUNCTION_NOT_SUPPORTED : abi::toRv(ok);
  });
}

}  // namespace

namespace p11nethsm::abi {

std::string hexRv(CK_RV rv) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (int shift = 28; shift >= 0; shift -= 4) out += kDigits[(rv >> shift) & 0xF];
  return out;
}

}  // namespace p11nethsm::abi

extern "C" {

CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate,
                    CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey) {
  return abi::guarded("C_GenerateKey", [&] {
    if (!pMechanism || !phKey || !abi::validArray(pTemplate, ulCount)) return CKR_ARGUMENTS_BAD;
    auto key = core::generateKey(h, pMechanism, abi::asSpan(pTemplate, ulCount));
    if (!key) return abi::toRv(key);
    *phKey = key.value();
    return CKR_OK;
  });
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism,
                        CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                        CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                        CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey) {
  return abi::guarded("C_GenerateKeyPair", [&] {
    if (!pMechanism || !phPublicKey || !phPrivateKey ||
        !abi::validArray(pPublicKeyTemplate, ulPublicKeyAttributeCount) ||
        !abi::validArray(pPrivateKeyTemplate, ulPrivateKeyAttributeCount))
      return CKR_ARGUMENTS_BAD;
    auto pair = core::generateKeyPair(h, pMechanism,
                                      abi::asSpan(pPublicKeyTemplate, ulPublicKeyAttributeCount),
                                      abi::asSpan(pPrivateKeyTemplate, ulPrivateKeyAttributeCount));
    if (!pair) return abi::toRv(pair);
    *phPublicKey = pair->first;
    *phPrivateKey = pair->second;
    return CKR_OK;
  });
}

// Keys never leave the appliance in any form (CKA_EXTRACTABLE false), and the
// NetHSM API has no key wrapping or derivation.
CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE,
                CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupportedForSession("C_WrapKey", h);
}
CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG,
                  CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR) {
  return unsupportedForSession("C_UnwrapKey", h);
}
CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR,
                  CK_ULONG, CK_OBJECT_HANDLE_PTR) {
  return unsupportedForSession("C_DeriveKey", h);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) {
  return abi::guarded("C_SeedRandom", [&] {
    if (!abi::validArray(pSeed, ulSeedLen)) return CKR_ARGUMENTS_BAD;
    return abi::toRv(core::seedRandom(h));
  });
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen) {
  return abi::guarded("C_GenerateRandom", [&] {
    if (!abi::validArray(pRandomData, ulRandomLen)) return CKR_ARGUMENTS_BAD;
    auto random = core::generateRandom(h, ulRandomLen);
    if (!random) return abi::toRv(random);
    if (random->size() != ulRandomLen) return CKR_DEVICE_ERROR;
    std::copy(random->begin(), random->end(), pRandomData);
    return CKR_OK;
  });
}

}  // extern "C"
