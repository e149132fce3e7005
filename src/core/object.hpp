#pragma once
// Cryptoki objects made from NetHSM keys (PKCS#11 v2.40 §4): a key pair becomes a
// private and a public key object, a Generic key a secret key, and a key's
// certificate a certificate object. Attributes are computed once when the object is
// built, from the attribute table (attribute_table.hpp); C_GetAttributeValue and
// C_FindObjects only look them up.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "mech/public_key.hpp"
#include "nethsm/types.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::core {

using AttributeMap = std::map<CK_ATTRIBUTE_TYPE, Bytes>;

// Everything the module knows about one NetHSM key.
struct KeySource {
  nethsm::KeyInfo key;
  std::optional<Bytes> certificate;    // as stored (PEM or DER)
  bool generatedHere = false;          // generated on the appliance by this module
  std::optional<unsigned> secretBits;  // Generic keys: length when known
  std::optional<Bytes> processLabel;   // CKA_LABEL this process gave it (key_label.hpp)
  // Key pairs: the public key attributes when already made (the store makes them
  // while fetching, outside its lock, to skip keys it cannot represent).
  std::optional<mech::PublicKeyAttributes> publicKey;
};

struct Object {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  CK_OBJECT_CLASS objectClass = CKO_DATA;
  std::string nethsmId;
  std::shared_ptr<const nethsm::KeyInfo> key;
  AttributeMap attributes;
  std::set<CK_ATTRIBUTE_TYPE> sensitive;  // present but never revealed
  bool isPrivate = false;                 // CKA_PRIVATE
  unsigned bits = 0;                      // key size for mech::KeyView
  Bytes publicKeyDer;                     // SubjectPublicKeyInfo, key pairs only
};

// The objects of one NetHSM key, handles not yet assigned. None when the module
// cannot represent the key (public key data that is not a sane key of its type,
// issue 12 §1).
std::vector<Object> buildObjects(const KeySource& source);

// A session public key (C_CreateObject with CKA_TOKEN=FALSE, e.g. SunPKCS11's
// Signature.initVerify(PublicKey)): lives only in module memory, never on the
// appliance. `type` gives the key type; every NetHSM mechanism of that type is allowed
// because verification and encryption run locally (mech). `ckaId` / `label` are
// the template's values.
Object sessionPublicKey(nethsm::KeyType type, const mech::PublicKeyAttributes& pub,
                        const Bytes& ckaId, const Bytes& label);

// Encodings of attribute values (PKCS#11 v2.40 §2.3: CK_ULONG and CK_BBOOL by value).
Bytes attrUlong(CK_ULONG value);
Bytes attrBool(bool value);

// CKA_ALLOWED_MECHANISMS of a key (PKCS#11 v2.40 §4.7) from its NetHSM mechanisms.
std::vector<CK_MECHANISM_TYPE> pkcs11MechanismsFor(
    const std::vector<nethsm::KeyMechanism>& mechanisms);

// Every attribute of the template is present with an equal value (CK_BBOOL compared
// by truth value). PKCS#11 v2.40 §5.7 C_FindObjectsInit.
bool matchesTemplate(const Object& object, std::span<const CK_ATTRIBUTE> tmpl);

}  // namespace p11nethsm::core
