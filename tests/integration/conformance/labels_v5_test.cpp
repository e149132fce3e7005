// Firmware 5.0 key labels: CKA_LABEL is the key's label, independent of CKA_ID, found
// with GET /keys?label= and changed with C_SetAttributeValue (issue 5 §5, issue 6 §9).
#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

std::vector<CK_OBJECT_HANDLE> findAll(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s,
                                      CK_ATTRIBUTE* t, CK_ULONG n) {
  std::vector<CK_OBJECT_HANDLE> out(16);
  CK_ULONG count = 0;
  if (p->C_FindObjectsInit(s, t, n) != CKR_OK) return {};
  p->C_FindObjects(s, out.data(), out.size(), &count);
  p->C_FindObjectsFinal(s);
  out.resize(count);
  return out;
}

TEST(LabelsV5, LabelIsIndependentOfTheId) {
  testing::EnvironmentOptions o;
  o.firmware = "5.0";
  testing::MockEnvironment env(o);
  ASSERT_TRUE(env.ok());
  CK_FUNCTION_LIST_PTR p = batteryFunctions();
  ASSERT_EQ(p->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE s;
  ASSERT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_OK);
  Bytes params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  std::string id = "labelled", label = "My signing key";
  CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, params.data(), params.size()}};
  CK_ATTRIBUTE privT[] = {{CKA_ID, id.data(), id.size()}, {CKA_LABEL, label.data(), label.size()}};
  CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(p->C_GenerateKeyPair(s, &m, pubT, 1, privT, 2, &pub, &priv), CKR_OK);
  CK_ATTRIBUTE byLabel[] = {{CKA_LABEL, label.data(), label.size()}};
  auto found = findAll(p, s, byLabel, 1);
  EXPECT_EQ(found.size(), 2u);
  char buf[64];
  CK_ATTRIBUTE get{CKA_ID, buf, sizeof buf};
  ASSERT_EQ(p->C_GetAttributeValue(s, priv, &get, 1), CKR_OK);
  EXPECT_EQ(std::string(buf, get.ulValueLen), id);
  std::string relabel = "Renamed";
  CK_ATTRIBUTE set[] = {{CKA_LABEL, relabel.data(), relabel.size()}};
  ASSERT_EQ(p->C_SetAttributeValue(s, priv, set, 1), CKR_OK);
  CK_ATTRIBUTE getLabel{CKA_LABEL, buf, sizeof buf};
  ASSERT_EQ(p->C_GetAttributeValue(s, pub, &getLabel, 1), CKR_OK);
  EXPECT_EQ(std::string(buf, getLabel.ulValueLen), relabel);
  EXPECT_EQ(p->C_Finalize(nullptr), CKR_OK);
}

CK_RV setLabel(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, std::string label) {
  CK_ATTRIBUTE t[] = {{CKA_LABEL, label.data(), label.size()}};
  return p->C_SetAttributeValue(s, o, t, 1);
}

std::string labelOf(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
  char buf[128];
  CK_ATTRIBUTE get{CKA_LABEL, buf, sizeof buf};
  if (p->C_GetAttributeValue(s, o, &get, 1) != CKR_OK) return "<error>";
  return std::string(buf, get.ulValueLen);
}

// The relay's 52-character labels (seed 003) do not fit the appliance's 32 bytes: the
// key is made (never CKR_DEVICE_ERROR), the appliance stores the first 32 bytes, this
// process keeps and finds the whole label, and C_SetAttributeValue(CKA_LABEL) on the
// public then the private key keeps the CKA_ID (issue 9).
TEST(LabelsV5, LongLabelIsKeptWholeAndStoredCut) {
  testing::EnvironmentOptions o;
  o.firmware = "5.0";
  testing::MockEnvironment env(o);
  ASSERT_TRUE(env.ok());
  CK_FUNCTION_LIST_PTR p = batteryFunctions();
  ASSERT_EQ(p->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE s;
  ASSERT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_OK);
  Bytes params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  Bytes id(20);
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(0xA0 + i);
  std::string label = "relay-" + std::string(46, 'x'), relabel = "relay-" + std::string(46, 'y');
  CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, params.data(), params.size()},
                         {CKA_ID, id.data(), id.size()}, {CKA_LABEL, label.data(), label.size()}};
  CK_ATTRIBUTE privT[] = {{CKA_ID, id.data(), id.size()}, {CKA_LABEL, label.data(), label.size()}};
  CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(p->C_GenerateKeyPair(s, &m, pubT, 3, privT, 2, &pub, &priv), CKR_OK);
  const std::string keyId = "0---" + hexEncode(id.data(), id.size(), true);
  auto stored = env.admin().getKey(keyId);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->label.value_or(""), label.substr(0, 32));
  EXPECT_EQ(labelOf(p, s, priv), label);
  CK_ATTRIBUTE both[] = {{CKA_LABEL, label.data(), label.size()}, {CKA_ID, id.data(), id.size()}};
  EXPECT_EQ(findAll(p, s, both, 2).size(), 2u);
  EXPECT_EQ(findAll(p, s, both, 1).size(), 2u);
  ASSERT_EQ(setLabel(p, s, pub, relabel), CKR_OK);
  ASSERT_EQ(setLabel(p, s, priv, relabel), CKR_OK);
  EXPECT_EQ(env.admin().getKey(keyId)->label.value_or(""), relabel.substr(0, 32));
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE byId[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  auto found = findAll(p, s, byId, 2);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], priv);
  EXPECT_EQ(labelOf(p, s, priv), relabel);
  // A new process sees what the appliance holds.
  ASSERT_EQ(p->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(p->C_Initialize(nullptr), CKR_OK);
  ASSERT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_OK);
  found = findAll(p, s, byId, 2);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(labelOf(p, s, found[0]), relabel.substr(0, 32));
  EXPECT_EQ(p->C_Finalize(nullptr), CKR_OK);
}

// keytool -genkeypair with a public-key CKA_LABEL in its generation template: the
// alias comes from the certificate's CKA_LABEL, which names the key (issue 9).
TEST(LabelsV5, CertificateLabelBecomesTheKeyLabel) {
  testing::EnvironmentOptions o;
  o.firmware = "5.0";
  testing::MockEnvironment env(o);
  ASSERT_TRUE(env.ok());
  CK_FUNCTION_LIST_PTR p = batteryFunctions();
  ASSERT_EQ(p->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE s;
  ASSERT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), CKR_OK);
  Bytes params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  std::string pubLabel = "publickey-label", alias = "A";
  CK_ATTRIBUTE pubT[] = {{CKA_LABEL, pubLabel.data(), pubLabel.size()},
                         {CKA_EC_PARAMS, params.data(), params.size()}};
  CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_EQ(p->C_GenerateKeyPair(s, &m, pubT, 2, nullptr, 0, &pub, &priv), CKR_OK);
  EXPECT_EQ(labelOf(p, s, priv), pubLabel);
  CK_ATTRIBUTE setId[] = {{CKA_ID, alias.data(), alias.size()}};
  ASSERT_EQ(p->C_SetAttributeValue(s, priv, setId, 1), CKR_OK);
  Bytes der = selfSignedCertificateDer("A");
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE cert[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, alias.data(), alias.size()},
                         {CKA_ID, alias.data(), alias.size()}, {CKA_VALUE, der.data(), der.size()}};
  CK_OBJECT_HANDLE certHandle;
  ASSERT_EQ(p->C_CreateObject(s, cert, 4, &certHandle), CKR_OK);
  auto key = env.admin().getKey("A");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->label.value_or(""), "A");
  ASSERT_EQ(p->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(p->C_Initialize(nullptr), CKR_OK);  // keytool -list: a new process
  ASSERT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
  CK_ATTRIBUTE certs[] = {{CKA_CLASS, &cls, sizeof cls}};
  auto found = findAll(p, s, certs, 1);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(labelOf(p, s, found[0]), "A");
  EXPECT_EQ(p->C_Finalize(nullptr), CKR_OK);
}

}  // namespace
}  // namespace p11nethsm::conformance
