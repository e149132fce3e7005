// The attribute table (attribute_table.hpp). Rows are grouped as the spec groups
// them: every object (§4.4), every key (§4.7), keys whose secret stays on the
// appliance (§4.9/§4.10 private and secret keys), public key material (§2.1.2,
// §2.3.3), then the rows of each class.
#include "core/attribute_table.hpp"

#include <array>
#include <span>

namespace p11nethsm::core {
namespace {

using A = AttributeRule;
using K = ValueKind;
using S = Source;
using P = Presence;

constexpr CK_ULONG kTrue = CK_TRUE;
constexpr CK_ULONG kFalse = CK_FALSE;

// CKA_TOKEN and CKA_MODIFIABLE: only the attributes marked settable can change, so
// the appliance's objects are modifiable and session objects are not.
constexpr A kStorage[] = {
    {CKA_CLASS, K::kUlong, S::kClass},
    {CKA_TOKEN, K::kBool, S::kTokenObject},
    {CKA_MODIFIABLE, K::kBool, S::kTokenObject},
    {CKA_COPYABLE, K::kBool, S::kConstant, kFalse},
    {CKA_ID, K::kBytes, S::kIdentity, 0, Access::kReadable, P::kAlways, Settable::kRenamesKey},
    {CKA_LABEL, K::kBytes, S::kIdentity, 0, Access::kReadable, P::kAlways, Settable::kRelabelsKey},
};

constexpr A kKey[] = {
    {CKA_KEY_TYPE, K::kUlong, S::kKeyType},
    {CKA_LOCAL, K::kBool, S::kOrigin},
    {CKA_KEY_GEN_MECHANISM, K::kUlong, S::kOrigin},
    {CKA_DERIVE, K::kBool, S::kConstant, kFalse},
    {CKA_START_DATE, K::kDate, S::kConstant},
    {CKA_END_DATE, K::kDate, S::kConstant},
    {CKA_ALLOWED_MECHANISMS, K::kMechanisms, S::kMechanisms},
};

// The appliance never lets key material out (§4.9): sensitive, never extractable;
// ALWAYS_SENSITIVE / NEVER_EXTRACTABLE only when the key is known to be born there.
constexpr A kSecretKept[] = {
    {CKA_PRIVATE, K::kBool, S::kConstant, kTrue},
    {CKA_DESTROYABLE, K::kBool, S::kConstant, kTrue},
    {CKA_SENSITIVE, K::kBool, S::kConstant, kTrue},
    {CKA_EXTRACTABLE, K::kBool, S::kConstant, kFalse},
    {CKA_ALWAYS_SENSITIVE, K::kBool, S::kOrigin},
    {CKA_NEVER_EXTRACTABLE, K::kBool, S::kOrigin},
    {CKA_WRAP_WITH_TRUSTED, K::kBool, S::kConstant, kFalse},
    {CKA_ALWAYS_AUTHENTICATE, K::kBool, S::kConstant, kFalse},
    {CKA_UNWRAP, K::kBool, S::kConstant, kFalse},
    {CKA_VALUE, K::kBytes, S::kConstant, 0, Access::kSensitive},
};

constexpr A kPublicMaterial[] = {
    {CKA_SUBJECT, K::kBytes, S::kConstant},
    {CKA_MODULUS, K::kBytes, S::kPublicKey, 0, Access::kReadable, P::kRsa},
    {CKA_PUBLIC_EXPONENT, K::kBytes, S::kPublicKey, 0, Access::kReadable, P::kRsa},
    {CKA_MODULUS_BITS, K::kUlong, S::kPublicKey, 0, Access::kReadable, P::kRsa},
    {CKA_EC_PARAMS, K::kBytes, S::kPublicKey, 0, Access::kReadable, P::kEc},
    {CKA_EC_POINT, K::kBytes, S::kPublicKey, 0, Access::kReadable, P::kEc},
    {CKA_PUBLIC_KEY_INFO, K::kBytes, S::kPublicKey, 0, Access::kReadable, P::kNonEmpty},
};

constexpr A kPrivateKey[] = {
    {CKA_SIGN, K::kBool, S::kMechanisms},
    {CKA_SIGN_RECOVER, K::kBool, S::kConstant, kFalse},
    {CKA_DECRYPT, K::kBool, S::kMechanisms},
    {CKA_PRIVATE_EXPONENT, K::kBytes, S::kConstant, 0, Access::kSensitive, P::kRsa},
    {CKA_PRIME_1, K::kBytes, S::kConstant, 0, Access::kSensitive, P::kRsa},
    {CKA_PRIME_2, K::kBytes, S::kConstant, 0, Access::kSensitive, P::kRsa},
    {CKA_EXPONENT_1, K::kBytes, S::kConstant, 0, Access::kSensitive, P::kRsa},
    {CKA_EXPONENT_2, K::kBytes, S::kConstant, 0, Access::kSensitive, P::kRsa},
    {CKA_COEFFICIENT, K::kBytes, S::kConstant, 0, Access::kSensitive, P::kRsa},
};

// The public half of a NetHSM key pair goes only with its private key (C_DestroyObject
// answers CKR_ACTION_PROHIBITED, as CKA_DESTROYABLE=FALSE says); verification and
// encryption run locally with OpenSSL (mech).
constexpr A kPublicKey[] = {
    {CKA_PRIVATE, K::kBool, S::kConstant, kFalse},
    {CKA_DESTROYABLE, K::kBool, S::kSessionObject},
    {CKA_VERIFY, K::kBool, S::kMechanisms},
    {CKA_VERIFY_RECOVER, K::kBool, S::kConstant, kFalse},
    {CKA_ENCRYPT, K::kBool, S::kMechanisms},
    {CKA_WRAP, K::kBool, S::kConstant, kFalse},
    {CKA_TRUSTED, K::kBool, S::kConstant, kFalse},
};

// CKA_VALUE_LEN: the appliance tells nobody the length of a Generic key (GET
// /keys/{id} has no public part for it); known for keys this process generated,
// otherwise CKR_ATTRIBUTE_SENSITIVE (§5.7 C_GetAttributeValue, case 1).
constexpr A kSecretKey[] = {
    {CKA_ENCRYPT, K::kBool, S::kMechanisms},
    {CKA_DECRYPT, K::kBool, S::kMechanisms},
    {CKA_SIGN, K::kBool, S::kConstant, kFalse},
    {CKA_VERIFY, K::kBool, S::kConstant, kFalse},
    {CKA_WRAP, K::kBool, S::kConstant, kFalse},
    {CKA_TRUSTED, K::kBool, S::kConstant, kFalse},
    {CKA_VALUE_LEN, K::kUlong, S::kSecretLength, 0, Access::kSensitiveUnlessKnown},
};

constexpr A kCertificate[] = {
    {CKA_PRIVATE, K::kBool, S::kConstant, kFalse},
    {CKA_DESTROYABLE, K::kBool, S::kConstant, kTrue},
    {CKA_CERTIFICATE_TYPE, K::kUlong, S::kConstant, CKC_X_509},
    {CKA_TRUSTED, K::kBool, S::kConstant, kFalse},
    {CKA_CERTIFICATE_CATEGORY, K::kUlong, S::kConstant, 0},
    {CKA_CHECK_VALUE, K::kBytes, S::kConstant},
    {CKA_START_DATE, K::kDate, S::kConstant},
    {CKA_END_DATE, K::kDate, S::kConstant},
    {CKA_VALUE, K::kBytes, S::kCertificate},
    {CKA_SUBJECT, K::kBytes, S::kCertificate},
    {CKA_ISSUER, K::kBytes, S::kCertificate},
    {CKA_SERIAL_NUMBER, K::kBytes, S::kCertificate},
    {CKA_URL, K::kBytes, S::kConstant},
    {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, K::kBytes, S::kConstant},
    {CKA_HASH_OF_ISSUER_PUBLIC_KEY, K::kBytes, S::kConstant},
    {CKA_JAVA_MIDP_SECURITY_DOMAIN, K::kUlong, S::kConstant, 0},
    {CKA_NAME_HASH_ALGORITHM, K::kUlong, S::kConstant, CKM_SHA_1},
};

using Group = std::span<const AttributeRule>;

struct ClassRules {
  CK_OBJECT_CLASS cls;
  std::array<Group, 5> groups;
};

constexpr std::array<ClassRules, 4> kClasses{{
    {CKO_PRIVATE_KEY, {kStorage, kKey, kSecretKept, kPublicMaterial, Group(kPrivateKey)}},
    {CKO_PUBLIC_KEY, {kStorage, kKey, kPublicMaterial, Group(kPublicKey), Group()}},
    {CKO_SECRET_KEY, {kStorage, kKey, kSecretKept, Group(kSecretKey), Group()}},
    {CKO_CERTIFICATE, {kStorage, Group(kCertificate), Group(), Group(), Group()}},
}};

const ClassRules* rulesOf(CK_OBJECT_CLASS cls) {
  for (const auto& c : kClasses)
    if (c.cls == cls) return &c;
  return nullptr;
}

}  // namespace

std::vector<const AttributeRule*> attributeRules(CK_OBJECT_CLASS cls) {
  std::vector<const AttributeRule*> out;
  if (const ClassRules* c = rulesOf(cls)) {
    for (Group g : c->groups)
      for (const auto& rule : g) out.push_back(&rule);
  }
  return out;
}

const AttributeRule* attributeRule(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE type) {
  if (const ClassRules* c = rulesOf(cls)) {
    for (Group g : c->groups)
      for (const auto& rule : g)
        if (rule.type == type) return &rule;
  }
  return nullptr;
}

bool isBooleanAttribute(CK_ATTRIBUTE_TYPE type) {
  for (const auto& c : kClasses) {
    const AttributeRule* rule = attributeRule(c.cls, type);
    if (rule && rule->kind == ValueKind::kBool) return true;
  }
  return false;
}

}  // namespace p11nethsm::core
