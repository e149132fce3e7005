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

}  // namespace
}  // namespace p11nethsm::conformance
