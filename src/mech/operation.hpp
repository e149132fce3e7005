#pragma once
// A cryptographic operation in progress (C_*Init → C_*/C_*Update/C_*Final). Created by
// the mechanism registry (registry.hpp). Operations know PKCS#11: an Error they return
// carries the exact CK_RV in Error::pkcs11Rv where kind alone is not enough
// (CKR_DATA_LEN_RANGE, CKR_SIGNATURE_INVALID, CKR_ENCRYPTED_DATA_LEN_RANGE, ...).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nethsm/types.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/encoding.hpp"
#include "util/result.hpp"

namespace p11nethsm::mech {

// What an operation needs to know of its key (core builds it from its object).
struct KeyView {
  std::string nethsmId;
  nethsm::KeyType type = nethsm::KeyType::kGeneric;
  unsigned bits = 0;  // RSA modulus bits, EC field bits (521 for P-521), AES key bits
  std::vector<nethsm::KeyMechanism> mechanisms;  // what the appliance allows
  Bytes publicKeyDer;                            // SubjectPublicKeyInfo DER; empty for secret keys
  // Slot option verify_signatures: each signature from the appliance is verified
  // with publicKeyDer before it is returned (docs/transport.md "Answers").
  bool verifySignatures = false;
};

enum class OperationKind { kSign, kVerify, kEncrypt, kDecrypt, kDigest };

class Operation {
 public:
  virtual ~Operation() = default;
  virtual OperationKind kind() const = 0;

  // Bytes that suffice for the output of single()/finish() given `inputLen` input
  // bytes (total for single, pending for finish). No network. Exact for signatures.
  virtual size_t outputSizeBound(size_t inputLen) const = 0;
  // Bytes that suffice for the output of update() with `inputLen` new bytes.
  virtual size_t updateOutputBound(size_t inputLen) const {
    (void)inputLen;
    return 0;
  }

  // C_Sign / C_Encrypt / C_Decrypt / C_Digest.
  virtual Result<Bytes> single(std::span<const uint8_t> input) = 0;
  // C_*Update: may return output (CBC encrypt/decrypt); hash-and-sign hashes as data
  // arrives instead of buffering it.
  virtual Result<Bytes> update(std::span<const uint8_t> input) = 0;
  // C_*Final.
  virtual Result<Bytes> finish() = 0;

  // Verify only: whole message, or the signature after update() calls.
  virtual Status verify(std::span<const uint8_t> data, std::span<const uint8_t> signature);
  virtual Status verifyFinish(std::span<const uint8_t> signature);
};

}  // namespace p11nethsm::mech
