// Issue 9: one object identity model on firmware 4.0 (README "Key names"), truthful
// attributes, ulDeviceError, and an object cache that follows the namespace of the
// logged-in user. Firmware 5.0 labels: tests/integration/conformance/labels_v5_test.cpp.
#include <openssl/rand.h>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

struct Pair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
};

// A KMIP relay's names (seed 003): a random 20-byte CKA_ID and a 52-character label.
Bytes randomId() {
  Bytes id(20);
  RAND_bytes(id.data(), static_cast<int>(id.size()));
  return id;
}

std::string relayLabel(char c) { return "relay-" + std::string(46, c); }

class Identity : public Battery {
 protected:
  // A P-256 pair; `id` / `label` go into both templates when not empty.
  Pair generate(CK_SESSION_HANDLE s, const Bytes& id, const std::string& label) {
    Bytes params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    Bytes idCopy = id;
    std::string labelCopy = label;
    CK_BBOOL yes = CK_TRUE;
    std::vector<CK_ATTRIBUTE> pubT{attr(CKA_EC_PARAMS, params.data(), params.size())};
    std::vector<CK_ATTRIBUTE> privT{attr(CKA_SIGN, &yes, 1)};
    for (auto* t : {&pubT, &privT}) {
      if (!id.empty()) t->push_back(attr(CKA_ID, idCopy.data(), idCopy.size()));
      if (!label.empty()) t->push_back(attr(CKA_LABEL, labelCopy.data(), labelCopy.size()));
    }
    CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    Pair pair;
    lastRv_ =
        p_->C_GenerateKeyPair(s, &m, pubT.data(), static_cast<CK_ULONG>(pubT.size()), privT.data(),
                              static_cast<CK_ULONG>(privT.size()), &pair.pub, &pair.priv);
    return pair;
  }

  CK_RV setAttribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                     const Bytes& value) {
    Bytes copy = value;
    CK_ATTRIBUTE t[] = {attr(type, copy.data(), copy.size())};
    return p_->C_SetAttributeValue(s, o, t, 1);
  }

  std::string label(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
    return toString(attribute(s, o, CKA_LABEL));
  }

  std::vector<CK_OBJECT_HANDLE> byLabel(CK_SESSION_HANDLE s, const std::string& text,
                                        const Bytes* id = nullptr) {
    std::string l = text;
    Bytes i = id ? *id : Bytes();
    std::vector<CK_ATTRIBUTE> t{attr(CKA_LABEL, l.data(), l.size())};
    if (id) t.push_back(attr(CKA_ID, i.data(), i.size()));
    return find(s, t);
  }

  CK_OBJECT_HANDLE byClassAndId(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const Bytes& id) {
    Bytes i = id;
    auto found = find(s, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, i.data(), i.size())});
    return found.size() == 1 ? found[0] : CK_INVALID_HANDLE;
  }

  CK_ULONG deviceError(CK_SESSION_HANDLE s) {
    CK_SESSION_INFO info{};
    EXPECT_EQ(p_->C_GetSessionInfo(s, &info), CKR_OK);
    return info.ulDeviceError;
  }
};

// The relay flow before firmware 5.0: setting CKA_LABEL keeps the key and its CKA_ID;
// the label lives in this process and is found by every search there.
TEST_F(Identity, RelayFlowKeepsTheIdAndFindsTheLabel) {
  CK_SESSION_HANDLE s = open(true);
  const Bytes id = randomId();
  const std::string first = relayLabel('a'), second = relayLabel('b');
  Pair pair = generate(s, id, first);
  ASSERT_EQ(lastRv_, CKR_OK);
  EXPECT_EQ(label(s, pair.priv), first);
  EXPECT_EQ(label(s, pair.pub), first);
  EXPECT_EQ(byLabel(s, first).size(), 2u);
  EXPECT_EQ(byLabel(s, first, &id).size(), 2u);
  ASSERT_EQ(setAttribute(s, pair.pub, CKA_LABEL, toBytes(second)), CKR_OK);
  ASSERT_EQ(setAttribute(s, pair.priv, CKA_LABEL, toBytes(second)), CKR_OK);
  EXPECT_EQ(attribute(s, pair.priv, CKA_ID), id);
  EXPECT_EQ(attribute(s, pair.pub, CKA_ID), id);
  EXPECT_EQ(byClassAndId(s, CKO_PRIVATE_KEY, id), pair.priv);
  EXPECT_EQ(byClassAndId(s, CKO_PUBLIC_KEY, id), pair.pub);
  EXPECT_TRUE(byLabel(s, first).empty());
  EXPECT_EQ(byLabel(s, second, &id).size(), 2u);
  EXPECT_EQ(sign(s, pair.priv, CKM_ECDSA_SHA256, toBytes("relay")).size(), 64u);
  const std::string keyId = "0---" + hexEncode(id.data(), id.size(), true);
  EXPECT_TRUE(env_->admin().getKey(keyId).ok());  // not moved
  // Another process (a fresh module) sees the label derived from the key ID.
  reinitialize(testing::EnvironmentOptions{});
  s = open(true);
  CK_OBJECT_HANDLE priv = byClassAndId(s, CKO_PRIVATE_KEY, id);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  EXPECT_EQ(label(s, priv), keyId);
  EXPECT_EQ(p_->C_DestroyObject(s, priv), CKR_OK);
}

// Vault-style: generate with CKA_LABEL and CKA_ID, then find by both (seeds 000/001).
TEST_F(Identity, GeneratedLabelAndIdAreBothFound) {
  CK_SESSION_HANDLE s = open(true);
  const Bytes id = toBytes("vault-key-id");
  Pair pair = generate(s, id, "vault-seal-label");
  ASSERT_EQ(lastRv_, CKR_OK);
  auto found = byLabel(s, "vault-seal-label", &id);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(byLabel(s, "vault-seal-label").size(), 2u);
  EXPECT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
}

// CKA_LABEL without CKA_ID names the key ID, as before.
TEST_F(Identity, LabelWithoutIdNamesTheKey) {
  CK_SESSION_HANDLE s = open(true);
  Pair pair = generate(s, {}, "named-by-label");
  ASSERT_EQ(lastRv_, CKR_OK);
  EXPECT_EQ(attribute(s, pair.priv, CKA_ID), toBytes("named-by-label"));
  EXPECT_EQ(label(s, pair.pub), "named-by-label");
  EXPECT_TRUE(env_->admin().getKey("named-by-label").ok());
  EXPECT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
}

// Setting CKA_ID moves the key; its label stays what it was, also a derived one.
TEST_F(Identity, RenameKeepsTheLabel) {
  CK_SESSION_HANDLE s = open(true);
  Pair labelled = generate(s, toBytes("rename-a"), "keep-this-label");
  ASSERT_EQ(lastRv_, CKR_OK);
  ASSERT_EQ(setAttribute(s, labelled.priv, CKA_ID, toBytes("rename-b")), CKR_OK);
  EXPECT_EQ(label(s, labelled.priv), "keep-this-label");
  EXPECT_EQ(byLabel(s, "keep-this-label").size(), 2u);
  Pair derived = generate(s, toBytes("rename-c"), "");
  ASSERT_EQ(lastRv_, CKR_OK);
  ASSERT_EQ(setAttribute(s, derived.pub, CKA_ID, toBytes("rename-d")), CKR_OK);
  EXPECT_EQ(attribute(s, derived.priv, CKA_ID), toBytes("rename-d"));
  EXPECT_EQ(label(s, derived.priv), "rename-c");
  EXPECT_EQ(p_->C_DestroyObject(s, labelled.priv), CKR_OK);
  EXPECT_EQ(p_->C_DestroyObject(s, derived.priv), CKR_OK);
}

// SunPKCS11 stores a key entry as a certificate whose CKA_LABEL is the alias.
TEST_F(Identity, CertificateLabelNamesTheKey) {
  CK_SESSION_HANDLE s = open(true);
  Pair pair = generate(s, toBytes("cert-labelled"), "generated-name");
  ASSERT_EQ(lastRv_, CKR_OK);
  Bytes der = selfSignedCertificateDer("alias");
  std::string id = "cert-labelled", alias = "Alias A";
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, id.data(), id.size()),
                      attr(CKA_LABEL, alias.data(), alias.size()),
                      attr(CKA_VALUE, der.data(), der.size())};
  CK_OBJECT_HANDLE cert = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_CreateObject(s, t, 4, &cert), CKR_OK);
  EXPECT_EQ(label(s, cert), alias);
  EXPECT_EQ(label(s, pair.priv), alias);
  EXPECT_EQ(p_->C_DestroyObject(s, pair.priv), CKR_OK);
}

TEST_F(Identity, AttributesSayWhatTheModuleDoes) {
  CK_SESSION_HANDLE s = open(true);
  CK_OBJECT_HANDLE pub = findKey(s, CKO_PUBLIC_KEY, kRsaId);
  CK_OBJECT_HANDLE priv = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  ASSERT_NE(pub, CK_INVALID_HANDLE);
  EXPECT_FALSE(boolAttribute(s, pub, CKA_DESTROYABLE));
  EXPECT_EQ(p_->C_DestroyObject(s, pub), CKR_ACTION_PROHIBITED);
  EXPECT_TRUE(boolAttribute(s, priv, CKA_DESTROYABLE));
  EXPECT_TRUE(boolAttribute(s, priv, CKA_MODIFIABLE));
  EXPECT_TRUE(boolAttribute(s, pub, CKA_MODIFIABLE));
  CK_BBOOL no = CK_FALSE;
  CK_ATTRIBUTE readOnly[] = {attr(CKA_SIGN, &no, 1)};
  EXPECT_EQ(p_->C_SetAttributeValue(s, priv, readOnly, 1), CKR_ATTRIBUTE_READ_ONLY);
  // An AES key made elsewhere: the appliance does not tell its length.
  CK_OBJECT_HANDLE aes = findKey(s, CKO_SECRET_KEY, kAesId);
  ASSERT_NE(aes, CK_INVALID_HANDLE);
  CK_ULONG len = 0;
  CK_ATTRIBUTE valueLen{CKA_VALUE_LEN, &len, sizeof len};
  EXPECT_EQ(p_->C_GetAttributeValue(s, aes, &valueLen, 1), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(valueLen.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

TEST_F(Identity, SecretKeysThatCannotSignAreRefused) {
  CK_SESSION_HANDLE s = open(true);
  CK_ULONG bytes = 32;
  CK_BBOOL yes = CK_TRUE;
  std::string id = "aes-made-here";
  CK_ATTRIBUTE good[] = {attr(CKA_VALUE_LEN, &bytes, sizeof bytes),
                         attr(CKA_ID, id.data(), id.size())};
  CK_MECHANISM aesGen{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_EQ(p_->C_GenerateKey(s, &aesGen, good, 2, &key), CKR_OK);
  EXPECT_EQ(ulongAttribute(s, key, CKA_VALUE_LEN), 32u);
  auto before = env_->admin().listKeys();
  ASSERT_TRUE(before.ok());
  CK_ATTRIBUTE signing[] = {attr(CKA_VALUE_LEN, &bytes, sizeof bytes), attr(CKA_SIGN, &yes, 1)};
  CK_OBJECT_HANDLE refused = CK_INVALID_HANDLE;
  EXPECT_EQ(p_->C_GenerateKey(s, &aesGen, signing, 2, &refused), CKR_ATTRIBUTE_VALUE_INVALID);
  CK_MECHANISM genericGen{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  EXPECT_EQ(p_->C_GenerateKey(s, &genericGen, signing, 2, &refused), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(env_->admin().listKeys()->size(), before->size());  // nothing was made
  EXPECT_EQ(p_->C_DestroyObject(s, key), CKR_OK);
}

TEST_F(Identity, DeviceErrorIsClearedBySuccess) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, kEdId);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  env_->mock().addFault(0, {mock::FaultKind::kFailStatus, "/keys/ed25519/sign", 1, 500});
  EXPECT_TRUE(sign(s, key, CKM_EDDSA, toBytes("x")).empty());
  EXPECT_EQ(lastRv_, CKR_DEVICE_ERROR);
  EXPECT_EQ(deviceError(s), 500u);
  EXPECT_EQ(sign(s, key, CKM_EDDSA, toBytes("x")).size(), 64u);
  EXPECT_EQ(deviceError(s), 0u);
}

// After C_LoginUser as a namespaced user the cache shows that namespace's keys only,
// and root's objects keep their handles when root is back.
TEST_F(Identity, ObjectCacheFollowsTheNamespace) {
  ASSERT_TRUE(env_->addNamespacedOperator("ns9", "bob", "bobPassphrase1"));
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
  auto rootKeys = find(s, {attr(CKA_CLASS, &priv, sizeof priv)});
  ASSERT_FALSE(rootKeys.empty());
  CK_OBJECT_HANDLE rsa = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  ASSERT_NE(rsa, CK_INVALID_HANDLE);
  CK_INTERFACE_PTR i = nullptr;
  ASSERT_EQ(batteryGetInterface()(nullptr, nullptr, &i, 0), CKR_OK);
  auto* fl = static_cast<CK_FUNCTION_LIST_3_0*>(i->pFunctionList);
  std::string user = "ns9~bob", pin = "bobPassphrase1";
  ASSERT_EQ(fl->C_LoginUser(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size(),
                            reinterpret_cast<CK_UTF8CHAR_PTR>(user.data()), user.size()),
            CKR_OK);
  EXPECT_TRUE(find(s, {attr(CKA_CLASS, &priv, sizeof priv)}).empty());
  EXPECT_EQ(findKey(s, CKO_PRIVATE_KEY, kRsaId), CK_INVALID_HANDLE);
  CK_KEY_TYPE type = 0;
  CK_ATTRIBUTE t{CKA_KEY_TYPE, &type, sizeof type};
  EXPECT_EQ(p_->C_GetAttributeValue(s, rsa, &t, 1), CKR_OBJECT_HANDLE_INVALID);
  ASSERT_EQ(p_->C_Logout(s), CKR_OK);
  EXPECT_EQ(findKey(s, CKO_PRIVATE_KEY, kRsaId), rsa);
  EXPECT_EQ(find(s, {attr(CKA_CLASS, &priv, sizeof priv)}), rootKeys);
}

}  // namespace
}  // namespace p11nethsm::conformance
