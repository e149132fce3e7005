// CKA_LABEL per firmware (README "Key names"): on 5.0 it is the appliance's key label
// (at most 32 bytes stored, the whole label kept in this process); before 5.0 it lives
// in this process only and a new process reads the label derived from the key ID.
// CKA_ID and CKA_LABEL never change each other.
#include "fake_module.hpp"

namespace p11nethsm::testing {
namespace {

const Bytes kId{0x01, 0x02};
const char* kKeyId = "0---0102";  // the NetHSM ID of CKA_ID 01 02
const std::string kLongLabel = "release signing key for the 2026 build train";
const std::string kCutLabel = "release signing key for the 2026";  // its first 32 bytes

class Labels : public FakeModule, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    FakeModuleOptions o;
    o.firmware = GetParam();
    start(o);
  }
  bool hasLabels() const { return GetParam() == "5.0"; }
  std::string storedLabel(const std::string& id) {
    for (const auto& k : fake().keys())
      if (k.id == id) return k.label;
    return "<no key " + id + ">";
  }
  CK_RV setLabel(CK_OBJECT_HANDLE o, std::string label) {
    CK_ATTRIBUTE t{CKA_LABEL, label.data(), label.size()};
    return p_->C_SetAttributeValue(s_, o, &t, 1);
  }
};

TEST_P(Labels, GeneratedKeyLabelInThisProcessAndTheNext) {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256(kId, kLongLabel, pub, priv), CKR_OK);
  ASSERT_EQ(fake().keys().size(), 1u);
  EXPECT_EQ(fake().keys()[0].id, kKeyId);
  EXPECT_EQ(storedLabel(kKeyId), hasLabels() ? kCutLabel : "");
  EXPECT_EQ(text(priv, CKA_LABEL), kLongLabel);
  EXPECT_EQ(text(pub, CKA_LABEL), kLongLabel);
  std::string label = kLongLabel;
  EXPECT_EQ(find({{CKA_LABEL, label.data(), label.size()}}).size(), 2u);
  restartModule();
  CK_OBJECT_HANDLE again = findKey(CKO_PRIVATE_KEY, kId);
  ASSERT_NE(again, CK_INVALID_HANDLE);
  EXPECT_EQ(text(again, CKA_LABEL), hasLabels() ? kCutLabel : kKeyId);
  const std::string id = text(again, CKA_ID);
  EXPECT_EQ(Bytes(id.begin(), id.end()), kId);
}

TEST_P(Labels, SettingTheLabelNeverRenamesTheKey) {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256(kId, "", pub, priv), CKR_OK);
  EXPECT_EQ(text(priv, CKA_LABEL), kKeyId) << "CKA_ID without CKA_LABEL: label from the ID";
  ASSERT_EQ(setLabel(priv, "ci"), CKR_OK);
  EXPECT_EQ(text(priv, CKA_LABEL), "ci");
  ASSERT_EQ(fake().keys().size(), 1u);
  EXPECT_EQ(fake().keys()[0].id, kKeyId);
  EXPECT_EQ(storedLabel(kKeyId), hasLabels() ? "ci" : "");
  EXPECT_EQ(requests("PUT", "/keys/.*/label"), hasLabels() ? 1u : 0u);
  EXPECT_EQ(requests("POST", "/keys/.*/move"), 0u);
  const std::string id = text(priv, CKA_ID);
  EXPECT_EQ(Bytes(id.begin(), id.end()), kId);
}

// CKA_LABEL without CKA_ID names the key ID.
TEST_P(Labels, LabelWithoutIdNamesTheKey) {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256({}, "signer", pub, priv), CKR_OK);
  ASSERT_EQ(fake().keys().size(), 1u);
  EXPECT_EQ(fake().keys()[0].id, "signer");
  EXPECT_EQ(storedLabel("signer"), hasLabels() ? "signer" : "");
  EXPECT_EQ(text(priv, CKA_ID), "signer");
}

INSTANTIATE_TEST_SUITE_P(Firmware, Labels, ::testing::Values("4.0", "5.0"),
                         [](const auto& info) { return info.param == "4.0" ? "v4" : "v5"; });

}  // namespace
}  // namespace p11nethsm::testing
