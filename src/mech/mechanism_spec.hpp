#pragma once
// One row of the mechanism registry (registry.cpp): what C_GetMechanismInfo reports and
// how each kind of operation is made. Factories live next to their operations
// (signature_operation.cpp, rsa_crypt.cpp, aes_cbc.cpp, aes_gcm.cpp, aes_ctr.cpp,
// aes_ecb.cpp, digest_operation.cpp).
#include <memory>
#include <optional>

#include "mech/appliance.hpp"
#include "mech/hash.hpp"
#include "mech/signature_scheme.hpp"

namespace p11nethsm::mech {

enum class KeyFamily { kNone, kRsa, kEc, kEdwards, kAes };

struct OperationContext {
  const CK_MECHANISM& mechanism;
  const KeyView& key;
  std::shared_ptr<Appliance> appliance;
  const nethsm::Capabilities& caps;
};

struct MechanismSpec;
using OperationFactory = Result<std::unique_ptr<Operation>> (*)(const MechanismSpec&,
                                                                const OperationContext&);

struct MechanismSpec {
  CK_MECHANISM_TYPE type;
  CK_ULONG minKeySize;  // bits, except AES: bytes (PKCS#11 v2.40 §2.10)
  CK_ULONG maxKeySize;
  CK_FLAGS flags;
  KeyFamily family;
  std::optional<HashAlg> hash;          // hash-and-sign / digest / fixed PSS hash
  SignatureScheme::Kind signatureKind;  // signature mechanisms
  bool pad;                             // CKM_AES_CBC_PAD
  OperationFactory sign, verify, encrypt, decrypt, digest;
};

// CKR_KEY_FUNCTION_NOT_PERMITTED unless the appliance lets the key do `needed`.
Status requireKeyMechanism(const KeyView& key, nethsm::KeyMechanism needed);

// Factories (one per operation family).
Result<std::unique_ptr<Operation>> makeSignOperation(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeVerifyOperation(const MechanismSpec&,
                                                       const OperationContext&);
Result<std::unique_ptr<Operation>> makeRsaEncrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeRsaDecrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesEncrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesDecrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesGcmEncrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesGcmDecrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesCtrEncrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesCtrDecrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesEcbEncrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeAesEcbDecrypt(const MechanismSpec&, const OperationContext&);
Result<std::unique_ptr<Operation>> makeDigest(const MechanismSpec&, const OperationContext&);

}  // namespace p11nethsm::mech
