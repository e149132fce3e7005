// The attribute table (core/attribute_table.hpp) and the objects built from it: every
// attribute a class declares is answered as declared, nothing else is shown, and only
// CKA_ID / CKA_LABEL can be set.
#include "core/attribute_table.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/object.hpp"

namespace p11nethsm::core {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

constexpr CK_OBJECT_CLASS kClasses[] = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_SECRET_KEY,
                                        CKO_CERTIFICATE};

// Public material as the store hands it over (no OpenSSL needed for the table).
mech::PublicKeyAttributes publicMaterial(bool rsa) {
  mech::PublicKeyAttributes p;
  p.spkiDer = {0x30, 0x00};
  p.bits = rsa ? 2048 : 256;
  if (rsa) {
    p.modulus = {0xc1, 0x01};
    p.publicExponent = {0x01, 0x00, 0x01};
  } else {
    p.ecParams = {0x06, 0x01, 0x01};
    p.ecPoint = {0x04, 0x01, 0x04};
  }
  return p;
}

KeySource pairSource(KeyType type, std::vector<KeyMechanism> mechanisms) {
  KeySource src;
  src.key.id = "k1";
  src.key.type = type;
  src.key.mechanisms = std::move(mechanisms);
  src.publicKey = publicMaterial(type == KeyType::kRsa);
  return src;
}

const Object& ofClass(const std::vector<Object>& objects, CK_OBJECT_CLASS cls) {
  for (const auto& o : objects)
    if (o.objectClass == cls) return o;
  throw std::runtime_error("class missing");
}

bool declaredPresent(const AttributeRule& r, KeyType type, bool spki) {
  if (r.presence == Presence::kRsa) return type == KeyType::kRsa;
  if (r.presence == Presence::kEc) return type != KeyType::kRsa;
  if (r.presence == Presence::kNonEmpty) return spki;
  return true;
}

// Every attribute of the class's rules is there, readable or sensitive as declared,
// with a value of its kind; no attribute outside the table is shown.
void expectAsDeclared(const Object& o, KeyType type, bool lengthKnown = true) {
  std::set<CK_ATTRIBUTE_TYPE> declared;
  for (const AttributeRule* r : attributeRules(o.objectClass)) {
    SCOPED_TRACE("class " + std::to_string(o.objectClass) + " attribute " +
                 std::to_string(r->type));
    EXPECT_TRUE(declared.insert(r->type).second) << "declared twice";
    const bool present = declaredPresent(*r, type, !o.publicKeyDer.empty());
    const bool hidden = r->access == Access::kSensitive ||
                        (r->access == Access::kSensitiveUnlessKnown && !lengthKnown);
    EXPECT_EQ(o.sensitive.count(r->type) == 1, present && hidden);
    EXPECT_EQ(o.attributes.count(r->type) == 1, present && r->access != Access::kSensitive);
    auto it = o.attributes.find(r->type);
    if (it == o.attributes.end()) continue;
    if (r->kind == ValueKind::kBool) {
      EXPECT_EQ(it->second.size(), 1u);
    }
    if (r->kind == ValueKind::kUlong) {
      EXPECT_EQ(it->second.size(), sizeof(CK_ULONG));
    }
  }
  for (const auto& [t, v] : o.attributes) EXPECT_TRUE(declared.count(t)) << "undeclared " << t;
  for (CK_ATTRIBUTE_TYPE t : o.sensitive) EXPECT_TRUE(declared.count(t)) << "undeclared " << t;
}

TEST(AttributeTable, KeyPairsAnswerEveryDeclaredAttribute) {
  for (KeyType type : {KeyType::kRsa, KeyType::kEcP256, KeyType::kCurve25519}) {
    auto objects = buildObjects(pairSource(type, nethsm::mechanismsAllowedFor(type)));
    ASSERT_EQ(objects.size(), 2u);
    for (const auto& o : objects) expectAsDeclared(o, type);
    const Object& priv = ofClass(objects, CKO_PRIVATE_KEY);
    EXPECT_EQ(priv.sensitive.count(CKA_PRIVATE_EXPONENT), type == KeyType::kRsa ? 1u : 0u);
    EXPECT_EQ(ofClass(objects, CKO_PUBLIC_KEY).attributes.count(CKA_MODULUS),
              type == KeyType::kRsa ? 1u : 0u);
  }
}

TEST(AttributeTable, SecretKeyLengthIsSensitiveUntilKnown) {
  KeySource src;
  src.key.id = "aes";
  src.key.type = KeyType::kGeneric;
  src.key.mechanisms = nethsm::mechanismsAllowedFor(KeyType::kGeneric);
  auto unknown = buildObjects(src);
  ASSERT_EQ(unknown.size(), 1u);
  expectAsDeclared(unknown[0], KeyType::kGeneric, false);
  EXPECT_EQ(unknown[0].sensitive.count(CKA_VALUE_LEN), 1u);
  src.secretBits = 128;
  auto known = buildObjects(src);
  expectAsDeclared(known[0], KeyType::kGeneric, true);
  EXPECT_EQ(known[0].attributes.at(CKA_VALUE_LEN), attrUlong(16));
  EXPECT_TRUE(known[0].sensitive.count(CKA_VALUE));
}

TEST(AttributeTable, SessionPublicKeyIsNotATokenObjectAndCannotChange) {
  Object o = sessionPublicKey(KeyType::kRsa, publicMaterial(true), toBytes("id"), toBytes("lab"));
  expectAsDeclared(o, KeyType::kRsa);
  EXPECT_EQ(o.attributes.at(CKA_TOKEN), attrBool(false));
  EXPECT_EQ(o.attributes.at(CKA_MODIFIABLE), attrBool(false));
  EXPECT_EQ(o.attributes.at(CKA_DESTROYABLE), attrBool(true));
  EXPECT_EQ(o.attributes.at(CKA_ID), toBytes("id"));
  EXPECT_EQ(o.attributes.at(CKA_LABEL), toBytes("lab"));
  // The public half of a NetHSM pair is a token object that goes with its private key.
  auto pair = buildObjects(pairSource(KeyType::kRsa, {KeyMechanism::kRsaSignaturePkcs1}));
  const Object& pub = ofClass(pair, CKO_PUBLIC_KEY);
  EXPECT_EQ(pub.attributes.at(CKA_TOKEN), attrBool(true));
  EXPECT_EQ(pub.attributes.at(CKA_DESTROYABLE), attrBool(false));
}

// The usage booleans follow the explicit NetHSM mechanism → usage map.
TEST(AttributeTable, UsageFollowsTheMechanismMap) {
  auto signOnly = buildObjects(pairSource(KeyType::kRsa, {KeyMechanism::kRsaSignaturePssSha256}));
  EXPECT_EQ(ofClass(signOnly, CKO_PRIVATE_KEY).attributes.at(CKA_SIGN), attrBool(true));
  EXPECT_EQ(ofClass(signOnly, CKO_PRIVATE_KEY).attributes.at(CKA_DECRYPT), attrBool(false));
  EXPECT_EQ(ofClass(signOnly, CKO_PUBLIC_KEY).attributes.at(CKA_VERIFY), attrBool(true));
  EXPECT_EQ(ofClass(signOnly, CKO_PUBLIC_KEY).attributes.at(CKA_ENCRYPT), attrBool(false));
  auto decryptOnly = buildObjects(pairSource(KeyType::kRsa, {KeyMechanism::kRsaDecryptionRaw}));
  EXPECT_EQ(ofClass(decryptOnly, CKO_PRIVATE_KEY).attributes.at(CKA_SIGN), attrBool(false));
  EXPECT_EQ(ofClass(decryptOnly, CKO_PRIVATE_KEY).attributes.at(CKA_DECRYPT), attrBool(true));
  EXPECT_EQ(ofClass(decryptOnly, CKO_PUBLIC_KEY).attributes.at(CKA_ENCRYPT), attrBool(true));
  auto bip340 = buildObjects(pairSource(KeyType::kEcP256K1, {KeyMechanism::kBip340Signature}));
  EXPECT_EQ(ofClass(bip340, CKO_PRIVATE_KEY).attributes.at(CKA_SIGN), attrBool(true));
  KeySource aes;
  aes.key.id = "aes";
  aes.key.type = KeyType::kGeneric;
  aes.key.mechanisms = {KeyMechanism::kAesDecryptionCbc};
  auto secret = buildObjects(aes);
  EXPECT_EQ(secret[0].attributes.at(CKA_ENCRYPT), attrBool(false));
  EXPECT_EQ(secret[0].attributes.at(CKA_DECRYPT), attrBool(true));
}

// §5.7 C_SetAttributeValue: only the key's names can change, on every class
// (enable_set_attribute_value changes what setting them does, not which can be set).
TEST(AttributeTable, OnlyIdAndLabelAreSettable) {
  for (CK_OBJECT_CLASS cls : kClasses) {
    for (const AttributeRule* r : attributeRules(cls)) {
      Settable expected = r->type == CKA_ID      ? Settable::kRenamesKey
                          : r->type == CKA_LABEL ? Settable::kRelabelsKey
                                                 : Settable::kNever;
      EXPECT_EQ(r->settable, expected) << "class " << cls << " attribute " << r->type;
    }
    ASSERT_NE(attributeRule(cls, CKA_ID), nullptr);
    ASSERT_NE(attributeRule(cls, CKA_LABEL), nullptr);
  }
  EXPECT_EQ(attributeRules(CKO_DATA).size(), 0u);
  EXPECT_EQ(attributeRule(CKO_CERTIFICATE, CKA_SIGN), nullptr);
}

// Template matching compares CK_BBOOL by truth value for exactly these attributes.
TEST(AttributeTable, BooleanAttributesAreTheTablesBooleans) {
  const std::set<CK_ATTRIBUTE_TYPE> booleans = {CKA_TOKEN,
                                                CKA_PRIVATE,
                                                CKA_MODIFIABLE,
                                                CKA_COPYABLE,
                                                CKA_DESTROYABLE,
                                                CKA_LOCAL,
                                                CKA_DERIVE,
                                                CKA_SENSITIVE,
                                                CKA_EXTRACTABLE,
                                                CKA_ALWAYS_SENSITIVE,
                                                CKA_NEVER_EXTRACTABLE,
                                                CKA_WRAP_WITH_TRUSTED,
                                                CKA_ALWAYS_AUTHENTICATE,
                                                CKA_UNWRAP,
                                                CKA_SIGN,
                                                CKA_SIGN_RECOVER,
                                                CKA_DECRYPT,
                                                CKA_VERIFY,
                                                CKA_VERIFY_RECOVER,
                                                CKA_ENCRYPT,
                                                CKA_WRAP,
                                                CKA_TRUSTED};
  for (CK_ATTRIBUTE_TYPE t = 0; t < 0x1300; ++t)
    EXPECT_EQ(isBooleanAttribute(t), booleans.count(t) == 1) << "attribute " << t;
  auto objects = buildObjects(pairSource(KeyType::kEcP256, {KeyMechanism::kEcdsaSignature}));
  CK_BBOOL two = 2;  // any non-zero CK_BBOOL is TRUE
  CK_ATTRIBUTE sign{CKA_SIGN, &two, 1};
  EXPECT_TRUE(matchesTemplate(ofClass(objects, CKO_PRIVATE_KEY), std::span(&sign, 1)));
}

}  // namespace
}  // namespace p11nethsm::core
