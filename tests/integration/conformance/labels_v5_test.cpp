// Firmware 5.0 key labels: CKA_LABEL is the key's label, independent of CKA_ID, found
// with GET /keys?label= and changed with C_SetAttributeValue (issue 5 §5, issue 6 §9,
// issue 9 §3: labels longer than the appliance's 32 bytes, certificate labels).
#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

const Bytes kP256Params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

// A 5.0 mock, the module initialized and one read-write session.
class LabelsV5 : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::EnvironmentOptions o;
    o.firmware = "5.0";
    env_ = std::make_unique<testing::MockEnvironment>(o);
    ASSERT_TRUE(env_->ok());
    ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
    openSession();
  }
  void TearDown() override { p_->C_Finalize(nullptr); }

  void openSession() {
    ASSERT_EQ(p_->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s_),
              CKR_OK);
  }
  // Another process: a fresh module that knows only what the appliance holds.
  void restartModule() {
    ASSERT_EQ(p_->C_Finalize(nullptr), CKR_OK);
    ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
    openSession();
  }

  std::vector<CK_OBJECT_HANDLE> findAll(std::vector<CK_ATTRIBUTE> t) {
    std::vector<CK_OBJECT_HANDLE> out(16);
    CK_ULONG count = 0;
    if (p_->C_FindObjectsInit(s_, t.data(), static_cast<CK_ULONG>(t.size())) != CKR_OK) return {};
    p_->C_FindObjects(s_, out.data(), out.size(), &count);
    p_->C_FindObjectsFinal(s_);
    out.resize(count);
    return out;
  }

  CK_RV setAttribute(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, std::string value) {
    CK_ATTRIBUTE t[] = {{type, value.data(), value.size()}};
    return p_->C_SetAttributeValue(s_, o, t, 1);
  }

  std::string text(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    char buf[128];
    CK_ATTRIBUTE get{type, buf, sizeof buf};
    if (p_->C_GetAttributeValue(s_, o, &get, 1) != CKR_OK) return "<error>";
    return std::string(buf, get.ulValueLen);
  }

  std::string applianceLabel(const std::string& keyId) {
    auto key = env_->admin().getKey(keyId);
    return key.ok() ? key->label.value_or("") : "<no key>";
  }

  CK_RV generate(std::vector<CK_ATTRIBUTE> pubT, std::vector<CK_ATTRIBUTE> privT) {
    Bytes params = kP256Params;
    pubT.push_back({CKA_EC_PARAMS, params.data(), params.size()});
    CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    return p_->C_GenerateKeyPair(s_, &m, pubT.data(), static_cast<CK_ULONG>(pubT.size()),
                                 privT.data(), static_cast<CK_ULONG>(privT.size()), &pub_, &priv_);
  }

  std::unique_ptr<testing::MockEnvironment> env_;
  CK_FUNCTION_LIST_PTR p_ = batteryFunctions();
  CK_SESSION_HANDLE s_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE pub_ = CK_INVALID_HANDLE, priv_ = CK_INVALID_HANDLE;
};

TEST_F(LabelsV5, LabelIsIndependentOfTheId) {
  std::string id = "labelled", label = "My signing key";
  ASSERT_EQ(generate({}, {{CKA_ID, id.data(), id.size()}, {CKA_LABEL, label.data(), label.size()}}),
            CKR_OK);
  EXPECT_EQ(findAll({{CKA_LABEL, label.data(), label.size()}}).size(), 2u);
  EXPECT_EQ(text(priv_, CKA_ID), id);
  ASSERT_EQ(setAttribute(priv_, CKA_LABEL, "Renamed"), CKR_OK);
  EXPECT_EQ(text(pub_, CKA_LABEL), "Renamed");
  EXPECT_EQ(applianceLabel(id), "Renamed");
}

// The relay's 52-character labels (seed 003) do not fit the appliance's 32 bytes: the
// key is made (never CKR_DEVICE_ERROR), the appliance stores the first 32 bytes, this
// process keeps and finds the whole label, and C_SetAttributeValue(CKA_LABEL) on the
// public then the private key keeps the CKA_ID (issue 9).
TEST_F(LabelsV5, LongLabelIsKeptWholeAndStoredCut) {
  Bytes id(20);
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(0xA0 + i);
  std::string label = "relay-" + std::string(46, 'x'), relabel = "relay-" + std::string(46, 'y');
  CK_ATTRIBUTE idAttr{CKA_ID, id.data(), id.size()},
      labelAttr{CKA_LABEL, label.data(), label.size()};
  ASSERT_EQ(generate({idAttr, labelAttr}, {idAttr, labelAttr}), CKR_OK);
  const std::string keyId = "0---" + hexEncode(id.data(), id.size(), true);
  EXPECT_EQ(applianceLabel(keyId), label.substr(0, 32));
  EXPECT_EQ(text(priv_, CKA_LABEL), label);
  EXPECT_EQ(findAll({labelAttr, idAttr}).size(), 2u);
  EXPECT_EQ(findAll({labelAttr}).size(), 2u);
  ASSERT_EQ(setAttribute(pub_, CKA_LABEL, relabel), CKR_OK);
  ASSERT_EQ(setAttribute(priv_, CKA_LABEL, relabel), CKR_OK);
  EXPECT_EQ(applianceLabel(keyId), relabel.substr(0, 32));
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE classAttr{CKA_CLASS, &cls, sizeof cls};
  EXPECT_EQ(findAll({classAttr, idAttr}), std::vector<CK_OBJECT_HANDLE>{priv_});
  EXPECT_EQ(text(priv_, CKA_LABEL), relabel);
  restartModule();
  auto found = findAll({classAttr, idAttr});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(text(found[0], CKA_LABEL), relabel.substr(0, 32));
}

// keytool -genkeypair with a public-key CKA_LABEL in its generation template: the
// alias comes from the certificate's CKA_LABEL, which names the key (issue 9).
TEST_F(LabelsV5, CertificateLabelBecomesTheKeyLabel) {
  std::string pubLabel = "publickey-label";
  ASSERT_EQ(generate({{CKA_LABEL, pubLabel.data(), pubLabel.size()}}, {}), CKR_OK);
  EXPECT_EQ(text(priv_, CKA_LABEL), pubLabel);
  ASSERT_EQ(setAttribute(priv_, CKA_ID, "A"), CKR_OK);
  Bytes der = selfSignedCertificateDer("A");
  std::string alias = "A";
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE cert[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_LABEL, alias.data(), alias.size()},
                         {CKA_ID, alias.data(), alias.size()},
                         {CKA_VALUE, der.data(), der.size()}};
  CK_OBJECT_HANDLE certHandle;
  ASSERT_EQ(p_->C_CreateObject(s_, cert, 4, &certHandle), CKR_OK);
  EXPECT_EQ(applianceLabel("A"), "A");
  restartModule();  // keytool -list runs in a new process
  auto found = findAll({{CKA_CLASS, &cls, sizeof cls}});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(text(found[0], CKA_LABEL), "A");
}

}  // namespace
}  // namespace p11nethsm::conformance
