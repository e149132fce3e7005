#pragma once
// The attribute policy of every object the module shows, as one table: per object
// class (PKCS#11 v2.40 §4.4 storage, §4.6 certificates, §4.7-§4.10 keys) each
// attribute's kind, how its value is derived, whether it can be read and whether
// C_SetAttributeValue can change it. The object builder (object.cpp) makes objects
// from it, template matching takes the value kinds from it and C_SetAttributeValue
// (set_attribute.cpp) the settable attributes. Read the idea of kryoptic's OAFlags
// and SoftHSMv2's P11Attributes; the rules are this module's.
#include <vector>

#include "p11nethsm/pkcs11.hpp"

namespace p11nethsm::core {

enum class ValueKind {
  kBool,        // CK_BBOOL (§2.3: by value, one byte)
  kUlong,       // CK_ULONG
  kBytes,       // byte array (DER, big integers, text)
  kDate,        // CK_DATE; empty when unknown (§4.7 CKA_START_DATE)
  kMechanisms,  // CK_MECHANISM_TYPE array (CKA_ALLOWED_MECHANISMS)
};

// Where a value comes from.
enum class Source {
  kConstant,       // AttributeRule::constant (byte arrays and dates: empty)
  kClass,          // the object class
  kTokenObject,    // TRUE for the appliance's objects, FALSE for session objects
  kSessionObject,  // TRUE for session objects only (the public half of a NetHSM pair stays)
  kIdentity,       // CKA_ID: the NetHSM key ID (id_codec); CKA_LABEL: key_label.hpp
  kKeyType,        // the NetHSM key type
  kOrigin,         // generated on the appliance by this module (CKA_LOCAL, ...)
  kMechanisms,     // the key's NetHSM mechanisms (mech/mechanism_usage.hpp)
  kPublicKey,      // the key's public material (mech::PublicKeyAttributes)
  kSecretLength,   // the length of a Generic key, when known
  kCertificate,    // the fields of the key's X.509 certificate
};

enum class Access {
  kReadable,
  kSensitive,             // exists, never revealed (CKR_ATTRIBUTE_SENSITIVE)
  kSensitiveUnlessKnown,  // revealed only when the module knows the value
};

// Some attributes exist only for some keys.
enum class Presence {
  kAlways,
  kRsa,       // RSA key pairs
  kEc,        // EC and Edwards key pairs
  kNonEmpty,  // when the derived value is not empty (CKA_PUBLIC_KEY_INFO)
};

// §5.7 C_SetAttributeValue. Every other attribute may only be restated with its
// value (else CKR_ATTRIBUTE_READ_ONLY). Session objects change nothing. With
// enable_set_attribute_value (seed 004) both become the key's alias instead, always
// answered CKR_OK (set_attribute.cpp rememberAlias).
enum class Settable {
  kNever,
  kRenamesKey,   // CKA_ID: POST /keys/{id}/move (firmware ≥ 3.0)
  kRelabelsKey,  // CKA_LABEL: PUT /keys/{id}/label (5.0) or this process's memory
};

struct AttributeRule {
  CK_ATTRIBUTE_TYPE type;
  ValueKind kind;
  Source source;
  CK_ULONG constant = 0;  // Source::kConstant of a CK_BBOOL or CK_ULONG
  Access access = Access::kReadable;
  Presence presence = Presence::kAlways;
  Settable settable = Settable::kNever;
};

// The rules of an object class (certificate, public, private, secret key; empty for
// the others: the module shows no data objects), in no particular order.
std::vector<const AttributeRule*> attributeRules(CK_OBJECT_CLASS cls);

// The rule of one attribute of a class; nullptr when objects of the class lack it.
const AttributeRule* attributeRule(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE type);

// The attribute is a CK_BBOOL on some class (template matching compares truth values).
bool isBooleanAttribute(CK_ATTRIBUTE_TYPE type);

}  // namespace p11nethsm::core
