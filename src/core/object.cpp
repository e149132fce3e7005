// The object builder: the objects of a NetHSM key, each attribute made as the
// attribute table says (attribute_table.hpp: kind, source, access, presence). What
// is left here is how each Source turns a key into a value.
#include "core/object.hpp"

#include <cstring>

#include "core/attribute_table.hpp"
#include "core/certificate.hpp"
#include "core/id_codec.hpp"
#include "core/key_label.hpp"
#include "mech/mechanism_usage.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::core {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

// What the values of one object are derived from (attribute_table.hpp Source).
struct Facts {
  Facts(CK_OBJECT_CLASS c, const KeySource& s) : cls(c), src(s) {}
  CK_OBJECT_CLASS cls;
  const KeySource& src;
  const mech::PublicKeyAttributes* pub = nullptr;  // key pairs
  const CertificateFields* cert = nullptr;         // certificates
  bool sessionObject = false;
  Bytes id;
  Bytes label;
};

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

CK_MECHANISM_TYPE keyGenMechanism(KeyType t) {
  return t == KeyType::kRsa          ? CKM_RSA_PKCS_KEY_PAIR_GEN
         : t == KeyType::kCurve25519 ? CKM_EC_EDWARDS_KEY_PAIR_GEN
         : t == KeyType::kGeneric    ? CKM_AES_KEY_GEN
                                     : CKM_EC_KEY_PAIR_GEN;
}

Bytes mechanismArray(const std::vector<CK_MECHANISM_TYPE>& mechs) {
  Bytes out(mechs.size() * sizeof(CK_MECHANISM_TYPE));
  if (!mechs.empty()) std::memcpy(out.data(), mechs.data(), out.size());
  return out;
}

// A usage boolean from the key's NetHSM mechanisms (mech/mechanism_usage.hpp). A
// secret key counts only what a Generic key can do (AES-CBC). A public key verifies
// what its private key signs and, for RSA (local encryption), encrypts what it
// decrypts.
bool usage(const Facts& f, CK_ATTRIBUTE_TYPE type) {
  const auto& mechanisms = f.src.key.mechanisms;
  if (f.cls == CKO_SECRET_KEY)
    return mech::allowsUsage(mechanisms, type, nethsm::KeyType::kGeneric);
  if (f.cls != CKO_PUBLIC_KEY) return mech::allowsUsage(mechanisms, type);
  if (type == CKA_VERIFY) return mech::allowsUsage(mechanisms, CKA_SIGN);
  return f.src.key.type == KeyType::kRsa && mech::allowsUsage(mechanisms, CKA_DECRYPT);
}

Bytes fromPublicKey(const mech::PublicKeyAttributes& pub, CK_ATTRIBUTE_TYPE type) {
  switch (type) {
    case CKA_MODULUS:
      return pub.modulus;
    case CKA_PUBLIC_EXPONENT:
      return pub.publicExponent;
    case CKA_MODULUS_BITS:
      return attrUlong(pub.bits);
    case CKA_EC_PARAMS:
      return pub.ecParams;
    case CKA_EC_POINT:
      return pub.ecPoint;
    default:
      return pub.spkiDer;  // CKA_PUBLIC_KEY_INFO
  }
}

Bytes fromCertificate(const CertificateFields& cert, CK_ATTRIBUTE_TYPE type) {
  switch (type) {
    case CKA_VALUE:
      return cert.der;
    case CKA_SUBJECT:
      return cert.subject;
    case CKA_ISSUER:
      return cert.issuer;
    default:
      return cert.serialNumber;  // CKA_SERIAL_NUMBER
  }
}

Bytes constant(const AttributeRule& r) {
  if (r.kind == ValueKind::kBool) return attrBool(r.constant != CK_FALSE);
  if (r.kind == ValueKind::kUlong) return attrUlong(r.constant);
  return Bytes();
}

Bytes derive(const AttributeRule& r, const Facts& f) {
  const auto& k = f.src.key;
  switch (r.source) {
    case Source::kConstant:
      return constant(r);
    case Source::kClass:
      return attrUlong(f.cls);
    case Source::kTokenObject:
      return attrBool(!f.sessionObject);
    case Source::kSessionObject:
      return attrBool(f.sessionObject);
    case Source::kIdentity:
      return r.type == CKA_ID ? f.id : f.label;
    case Source::kKeyType:
      return attrUlong(ckKeyType(k.type));
    case Source::kOrigin:
      if (r.type != CKA_KEY_GEN_MECHANISM) return attrBool(f.src.generatedHere);
      return attrUlong(f.src.generatedHere ? keyGenMechanism(k.type) : CK_UNAVAILABLE_INFORMATION);
    case Source::kMechanisms:
      if (r.kind == ValueKind::kMechanisms)
        return mechanismArray(pkcs11MechanismsFor(k.mechanisms));
      return attrBool(usage(f, r.type));
    case Source::kPublicKey:
      return fromPublicKey(*f.pub, r.type);
    case Source::kSecretLength:
      return attrUlong(f.src.secretBits.value_or(0) / 8);
    case Source::kCertificate:
      return fromCertificate(*f.cert, r.type);
  }
  return Bytes();
}

bool present(const AttributeRule& r, const Facts& f, const Bytes& value) {
  switch (r.presence) {
    case Presence::kRsa:
      return f.src.key.type == KeyType::kRsa;
    case Presence::kEc:
      return f.src.key.type != KeyType::kRsa;
    case Presence::kNonEmpty:
      return !value.empty();
    case Presence::kAlways:
      break;
  }
  return true;
}

// One object of `f.cls`, every attribute as the table says. Sensitive attributes
// exist (CKR_ATTRIBUTE_SENSITIVE) but have no value; "sensitive unless known" ones
// keep a placeholder value that is never revealed.
Object objectFromTable(const Facts& f) {
  Object o;
  o.objectClass = f.cls;
  for (const AttributeRule* r : attributeRules(f.cls)) {
    Bytes value = r->access == Access::kSensitive ? Bytes() : derive(*r, f);
    if (!present(*r, f, value)) continue;
    const bool known = r->source != Source::kSecretLength || f.src.secretBits.has_value();
    if (r->access == Access::kSensitive || (r->access == Access::kSensitiveUnlessKnown && !known))
      o.sensitive.insert(r->type);
    if (r->access != Access::kSensitive) o.attributes[r->type] = std::move(value);
  }
  auto priv = o.attributes.find(CKA_PRIVATE);
  o.isPrivate = priv != o.attributes.end() && priv->second == attrBool(true);
  if (f.pub) {
    o.bits = f.pub->bits;
    o.publicKeyDer = f.pub->spkiDer;
  } else if (f.cls == CKO_SECRET_KEY) {
    o.bits = f.src.secretBits.value_or(0);
  }
  return o;
}

Facts tokenFacts(CK_OBJECT_CLASS cls, const KeySource& src) {
  Facts f(cls, src);
  f.id = ckaIdFromNetHsmId(src.key.id);
  f.label = keyLabel(src.processLabel, src.key.label, src.key.id);
  return f;
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
  Facts f(CKO_PUBLIC_KEY, src);
  f.pub = &pub;
  f.sessionObject = true;
  f.id = ckaId;
  f.label = label;
  Object o = objectFromTable(f);
  o.key = std::make_shared<const nethsm::KeyInfo>(src.key);
  return o;
}

std::vector<Object> buildObjects(const KeySource& src) {
  std::vector<Object> out;
  const auto& k = src.key;
  if (k.type == KeyType::kGeneric) {
    out.push_back(objectFromTable(tokenFacts(CKO_SECRET_KEY, src)));
  } else {
    // Public data that is no sane key (off the curve, a 1-bit modulus...) would show
    // a key with empty or false attributes: the key is not represented at all.
    auto pub = src.publicKey ? Result(*src.publicKey) : mech::publicKeyAttributes(k);
    if (!pub) return out;
    for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
      Facts f = tokenFacts(cls, src);
      f.pub = &pub.value();
      out.push_back(objectFromTable(f));
    }
  }
  if (src.certificate) {
    // Unparsable: not shown (logged by the store).
    if (auto fields = parseCertificate(*src.certificate)) {
      Facts f = tokenFacts(CKO_CERTIFICATE, src);
      f.cert = &fields.value();
      out.push_back(objectFromTable(f));
    }
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
