#include "core/object.hpp"

#include <cstring>

#include "core/certificate.hpp"
#include "core/id_codec.hpp"
#include "core/key_label.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::core {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

bool hasAny(const std::vector<KeyMechanism>& have, std::initializer_list<KeyMechanism> want) {
  for (auto w : want)
    for (auto h : have)
      if (h == w) return true;
  return false;
}

bool canSign(const nethsm::KeyInfo& k) {
  for (auto m : k.mechanisms) {
    auto name = nethsm::toString(m);
    if (name.find("Signature") != std::string_view::npos) return true;
  }
  return false;
}

bool canDecrypt(const nethsm::KeyInfo& k) {
  for (auto m : k.mechanisms) {
    auto name = nethsm::toString(m);
    if (name.find("Decryption") != std::string_view::npos) return true;
  }
  return false;
}

CK_KEY_TYPE ckKeyType(KeyType t) {
  switch (t) {
    case KeyType::kRsa:
      return CKK_RSA;
    case KeyType::kCurve25519:
      return CKK_EC_EDWARDS;
    case KeyType::kGeneric:
      return CKK_AES;
    default:
      return CKK_EC;
  }
}

Bytes mechanismArray(const std::vector<CK_MECHANISM_TYPE>& mechs) {
  Bytes out(mechs.size() * sizeof(CK_MECHANISM_TYPE));
  if (!mechs.empty()) std::memcpy(out.data(), mechs.data(), out.size());
  return out;
}

// Attributes every object of the key shares (PKCS#11 v2.40 §4.4, §4.7). CKA_ID and
// CKA_LABEL can be changed (C_SetAttributeValue: key move, key label), so the objects
// are modifiable; every other attribute is read-only (CKR_ATTRIBUTE_READ_ONLY).
AttributeMap commonAttributes(const KeySource& src, CK_OBJECT_CLASS cls) {
  const auto& k = src.key;
  AttributeMap a;
  a[CKA_CLASS] = attrUlong(cls);
  a[CKA_TOKEN] = attrBool(true);
  a[CKA_MODIFIABLE] = attrBool(true);
  a[CKA_COPYABLE] = attrBool(false);
  a[CKA_DESTROYABLE] = attrBool(true);
  a[CKA_ID] = ckaIdFromNetHsmId(k.id);
  a[CKA_LABEL] = keyLabel(src.processLabel, k.label, k.id);
  return a;
}

void addKeyAttributes(AttributeMap& a, const KeySource& src) {
  const auto& k = src.key;
  a[CKA_KEY_TYPE] = attrUlong(ckKeyType(k.type));
  a[CKA_LOCAL] = attrBool(src.generatedHere);
  a[CKA_DERIVE] = attrBool(false);
  a[CKA_START_DATE] = Bytes();
  a[CKA_END_DATE] = Bytes();
  a[CKA_ALLOWED_MECHANISMS] = mechanismArray(pkcs11MechanismsFor(k.mechanisms));
  if (src.generatedHere) {
    a[CKA_KEY_GEN_MECHANISM] =
        attrUlong(k.type == KeyType::kRsa          ? CKM_RSA_PKCS_KEY_PAIR_GEN
                  : k.type == KeyType::kCurve25519 ? CKM_EC_EDWARDS_KEY_PAIR_GEN
                  : k.type == KeyType::kGeneric    ? CKM_AES_KEY_GEN
                                                   : CKM_EC_KEY_PAIR_GEN);
  } else {
    a[CKA_KEY_GEN_MECHANISM] = attrUlong(CK_UNAVAILABLE_INFORMATION);
  }
}

void addPublicParts(AttributeMap& a, const nethsm::KeyInfo& k,
                    const mech::PublicKeyAttributes& pub) {
  if (k.type == KeyType::kRsa) {
    a[CKA_MODULUS] = pub.modulus;
    a[CKA_PUBLIC_EXPONENT] = pub.publicExponent;
    a[CKA_MODULUS_BITS] = attrUlong(pub.bits);
  } else {
    a[CKA_EC_PARAMS] = pub.ecParams;
    a[CKA_EC_POINT] = pub.ecPoint;
  }
  if (!pub.spkiDer.empty()) a[CKA_PUBLIC_KEY_INFO] = pub.spkiDer;
}

// Sensitive and never-extractable (PKCS#11 v2.40 §4.9): the appliance never lets
// key material out; ALWAYS_SENSITIVE/NEVER_EXTRACTABLE only when we know it was born
// there.
void addSecretPolicy(Object& o, const KeySource& src) {
  auto& a = o.attributes;
  a[CKA_PRIVATE] = attrBool(true);
  a[CKA_SENSITIVE] = attrBool(true);
  a[CKA_EXTRACTABLE] = attrBool(false);
  a[CKA_ALWAYS_SENSITIVE] = attrBool(src.generatedHere);
  a[CKA_NEVER_EXTRACTABLE] = attrBool(src.generatedHere);
  a[CKA_WRAP_WITH_TRUSTED] = attrBool(false);
  a[CKA_ALWAYS_AUTHENTICATE] = attrBool(false);
  a[CKA_UNWRAP] = attrBool(false);
  o.isPrivate = true;
}

Object privateKey(const KeySource& src, const mech::PublicKeyAttributes& pub) {
  const auto& k = src.key;
  Object o;
  o.objectClass = CKO_PRIVATE_KEY;
  o.attributes = commonAttributes(src, CKO_PRIVATE_KEY);
  addKeyAttributes(o.attributes, src);
  addSecretPolicy(o, src);
  auto& a = o.attributes;
  a[CKA_SUBJECT] = Bytes();
  a[CKA_SIGN] = attrBool(canSign(k));
  a[CKA_SIGN_RECOVER] = attrBool(false);
  a[CKA_DECRYPT] = attrBool(canDecrypt(k));
  addPublicParts(a, k, pub);
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                              CKA_EXPONENT_2, CKA_COEFFICIENT}) {
    if (k.type == KeyType::kRsa) o.sensitive.insert(t);
  }
  o.sensitive.insert(CKA_VALUE);
  o.bits = pub.bits;
  o.publicKeyDer = pub.spkiDer;
  return o;
}

Object publicKey(const KeySource& src, const mech::PublicKeyAttributes& pub) {
  const auto& k = src.key;
  Object o;
  o.objectClass = CKO_PUBLIC_KEY;
  o.attributes = commonAttributes(src, CKO_PUBLIC_KEY);
  addKeyAttributes(o.attributes, src);
  auto& a = o.attributes;
  // The public half of a NetHSM key pair goes only with its private key: C_DestroyObject
  // answers CKR_ACTION_PROHIBITED, as CKA_DESTROYABLE=FALSE says (v2.40 §4.4).
  a[CKA_DESTROYABLE] = attrBool(false);
  a[CKA_PRIVATE] = attrBool(false);
  a[CKA_SUBJECT] = Bytes();
  // A public key verifies what its private key signs and encrypts what it decrypts;
  // verification and encryption run locally with OpenSSL (mech).
  a[CKA_VERIFY] = attrBool(canSign(k));
  a[CKA_VERIFY_RECOVER] = attrBool(false);
  a[CKA_ENCRYPT] = attrBool(k.type == KeyType::kRsa && canDecrypt(k));
  a[CKA_WRAP] = attrBool(false);
  a[CKA_TRUSTED] = attrBool(false);
  addPublicParts(a, k, pub);
  o.bits = pub.bits;
  o.publicKeyDer = pub.spkiDer;
  return o;
}

Object secretKey(const KeySource& src) {
  const auto& k = src.key;
  Object o;
  o.objectClass = CKO_SECRET_KEY;
  o.attributes = commonAttributes(src, CKO_SECRET_KEY);
  addKeyAttributes(o.attributes, src);
  addSecretPolicy(o, src);
  auto& a = o.attributes;
  a[CKA_ENCRYPT] = attrBool(hasAny(k.mechanisms, {KeyMechanism::kAesEncryptionCbc}));
  a[CKA_DECRYPT] = attrBool(hasAny(k.mechanisms, {KeyMechanism::kAesDecryptionCbc}));
  a[CKA_SIGN] = attrBool(false);
  a[CKA_VERIFY] = attrBool(false);
  a[CKA_WRAP] = attrBool(false);
  a[CKA_TRUSTED] = attrBool(false);
  // CKA_VALUE_LEN is known for keys generated by this process. The appliance tells
  // nobody the length of a Generic key (GET /keys/{id} has no public part for it), so
  // otherwise the attribute exists but cannot be revealed: CKR_ATTRIBUTE_SENSITIVE
  // with CK_UNAVAILABLE_INFORMATION (v2.40 §5.7 C_GetAttributeValue, case 1).
  a[CKA_VALUE_LEN] = attrUlong(src.secretBits.value_or(0) / 8);
  if (!src.secretBits) o.sensitive.insert(CKA_VALUE_LEN);
  o.sensitive.insert(CKA_VALUE);
  o.bits = src.secretBits.value_or(0);
  return o;
}

std::optional<Object> certificateObject(const KeySource& src) {
  auto fields = parseCertificate(*src.certificate);
  if (!fields) return std::nullopt;  // unparsable: not shown (logged by the store)
  Object o;
  o.objectClass = CKO_CERTIFICATE;
  o.attributes = commonAttributes(src, CKO_CERTIFICATE);
  auto& a = o.attributes;
  a[CKA_PRIVATE] = attrBool(false);
  a[CKA_CERTIFICATE_TYPE] = attrUlong(CKC_X_509);
  a[CKA_TRUSTED] = attrBool(false);
  a[CKA_CERTIFICATE_CATEGORY] = attrUlong(0);
  a[CKA_CHECK_VALUE] = Bytes();
  a[CKA_START_DATE] = Bytes();
  a[CKA_END_DATE] = Bytes();
  a[CKA_VALUE] = fields->der;
  a[CKA_SUBJECT] = fields->subject;
  a[CKA_ISSUER] = fields->issuer;
  a[CKA_SERIAL_NUMBER] = fields->serialNumber;
  a[CKA_URL] = Bytes();
  a[CKA_HASH_OF_SUBJECT_PUBLIC_KEY] = Bytes();
  a[CKA_HASH_OF_ISSUER_PUBLIC_KEY] = Bytes();
  a[CKA_JAVA_MIDP_SECURITY_DOMAIN] = attrUlong(0);
  a[CKA_NAME_HASH_ALGORITHM] = attrUlong(CKM_SHA_1);
  return o;
}

bool isBooleanAttribute(CK_ATTRIBUTE_TYPE t) {
  switch (t) {
    case CKA_TOKEN:
    case CKA_PRIVATE:
    case CKA_MODIFIABLE:
    case CKA_COPYABLE:
    case CKA_DESTROYABLE:
    case CKA_LOCAL:
    case CKA_DERIVE:
    case CKA_SENSITIVE:
    case CKA_EXTRACTABLE:
    case CKA_ALWAYS_SENSITIVE:
    case CKA_NEVER_EXTRACTABLE:
    case CKA_WRAP_WITH_TRUSTED:
    case CKA_ALWAYS_AUTHENTICATE:
    case CKA_UNWRAP:
    case CKA_SIGN:
    case CKA_SIGN_RECOVER:
    case CKA_DECRYPT:
    case CKA_VERIFY:
    case CKA_VERIFY_RECOVER:
    case CKA_ENCRYPT:
    case CKA_WRAP:
    case CKA_TRUSTED:
      return true;
    default:
      return false;
  }
}

}  // namespace

Bytes attrUlong(CK_ULONG value) {
  Bytes out(sizeof(CK_ULONG));
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

Bytes attrBool(bool value) { return Bytes{static_cast<uint8_t>(value ? CK_TRUE : CK_FALSE)}; }

Object sessionPublicKey(KeyType type, const mech::PublicKeyAttributes& pub, const Bytes& ckaId,
                        const Bytes& label) {
  KeySource src;
  src.key.type = type;
  if (type == KeyType::kRsa) {
    src.key.mechanisms = {
        KeyMechanism::kRsaSignaturePkcs1,       KeyMechanism::kRsaSignaturePssMd5,
        KeyMechanism::kRsaSignaturePssSha1,     KeyMechanism::kRsaSignaturePssSha224,
        KeyMechanism::kRsaSignaturePssSha256,   KeyMechanism::kRsaSignaturePssSha384,
        KeyMechanism::kRsaSignaturePssSha512,   KeyMechanism::kRsaDecryptionRaw,
        KeyMechanism::kRsaDecryptionPkcs1,      KeyMechanism::kRsaDecryptionOaepMd5,
        KeyMechanism::kRsaDecryptionOaepSha1,   KeyMechanism::kRsaDecryptionOaepSha224,
        KeyMechanism::kRsaDecryptionOaepSha256, KeyMechanism::kRsaDecryptionOaepSha384,
        KeyMechanism::kRsaDecryptionOaepSha512};
  } else {
    src.key.mechanisms = {type == KeyType::kCurve25519 ? KeyMechanism::kEdDsaSignature
                                                       : KeyMechanism::kEcdsaSignature};
  }
  Object o = publicKey(src, pub);
  o.attributes[CKA_TOKEN] = attrBool(false);
  o.attributes[CKA_MODIFIABLE] = attrBool(false);  // set_attribute.cpp refuses changes
  o.attributes[CKA_DESTROYABLE] = attrBool(true);
  o.attributes[CKA_ID] = ckaId;
  o.attributes[CKA_LABEL] = label;
  o.key = std::make_shared<const nethsm::KeyInfo>(src.key);
  return o;
}

std::vector<Object> buildObjects(const KeySource& src) {
  std::vector<Object> out;
  const auto& k = src.key;
  if (k.type == KeyType::kGeneric) {
    out.push_back(secretKey(src));
  } else {
    // Public data that is no sane key (off the curve, a 1-bit modulus...) would show
    // a key with empty or false attributes: the key is not represented at all.
    auto pub = src.publicKey ? Result(*src.publicKey) : mech::publicKeyAttributes(k);
    if (!pub) return out;
    out.push_back(privateKey(src, *pub));
    out.push_back(publicKey(src, *pub));
  }
  if (src.certificate) {
    if (auto cert = certificateObject(src)) out.push_back(std::move(*cert));
  }
  auto shared = std::make_shared<const nethsm::KeyInfo>(k);
  for (auto& o : out) {
    o.nethsmId = k.id;
    o.key = shared;
  }
  return out;
}

bool matchesTemplate(const Object& object, std::span<const CK_ATTRIBUTE> tmpl) {
  for (const auto& t : tmpl) {
    auto it = object.attributes.find(t.type);
    if (it == object.attributes.end() || object.sensitive.count(t.type)) return false;
    const Bytes& have = it->second;
    const auto* want = static_cast<const uint8_t*>(t.pValue);
    if (t.ulValueLen > 0 && want == nullptr) return false;
    // CK_BBOOL: any non-zero byte is CK_TRUE.
    if (isBooleanAttribute(t.type) && have.size() == 1 && t.ulValueLen == 1) {
      if ((have[0] != 0) != (want[0] != 0)) return false;
      continue;
    }
    if (have.size() != t.ulValueLen) return false;
    if (t.ulValueLen && std::memcmp(have.data(), want, t.ulValueLen) != 0) return false;
  }
  return true;
}

}  // namespace p11nethsm::core
