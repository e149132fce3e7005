#pragma once
// What each NetHSM key mechanism lets a key do, as a PKCS#11 usage attribute
// (PKCS#11 v2.40 §4.8-§4.10: CKA_SIGN, CKA_DECRYPT, CKA_ENCRYPT). One explicit map
// serves both directions: the objects core builds from a key (its usage booleans) and
// the mechanisms a new key is granted from a template's usage attributes (key_usage).
#include <span>
#include <vector>

#include "nethsm/types.hpp"
#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::mech {

struct MechanismUsage {
  nethsm::KeyMechanism mechanism;
  CK_ATTRIBUTE_TYPE usage;  // CKA_SIGN, CKA_DECRYPT or CKA_ENCRYPT (on the private/secret key)
  // Granted to a new key whose template asks for `usage`. MD5 (PSS, OAEP) is never
  // granted: nobody asks for it, and BIP340 has no PKCS#11 mechanism at all.
  bool granted;
};

// Every NetHSM mechanism (nethsm-api.yaml KeyMechanism), once.
std::span<const MechanismUsage> mechanismUsages();

// The usage attribute a NetHSM mechanism serves.
CK_ATTRIBUTE_TYPE usageOf(nethsm::KeyMechanism mechanism);

// Some mechanism of `mechanisms` serves `usage` (with `type`: one the firmware
// allows for keys of that type).
bool allowsUsage(const std::vector<nethsm::KeyMechanism>& mechanisms, CK_ATTRIBUTE_TYPE usage);
bool allowsUsage(const std::vector<nethsm::KeyMechanism>& mechanisms, CK_ATTRIBUTE_TYPE usage,
                 nethsm::KeyType type);

// The usage attributes a key of `type` can have, in the order key generation grants
// them (RSA: sign, decrypt; Generic: encrypt, decrypt; EC and Edwards: sign).
std::vector<CK_ATTRIBUTE_TYPE> usagesOfType(nethsm::KeyType type);

// The mechanisms granted to a new key of `type` for `usage`: those the firmware
// allows for the type (nethsm::mechanismsAllowedFor) that serve it and are granted.
std::vector<nethsm::KeyMechanism> grantedFor(nethsm::KeyType type, CK_ATTRIBUTE_TYPE usage);

}  // namespace p11nethsm::mech
