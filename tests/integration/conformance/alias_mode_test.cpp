// enable_set_attribute_value (seed 004, EJBCA / SunPKCS11 keytool) across firmware
// versions: C_SetAttributeValue(CKA_ID) always answers CKR_OK and the in-memory alias
// lets the certificate upload find the key; firmware >= 3.0 also moves the key to the
// alias, firmware >= 5.0 also labels it (the battery's AliasModeForEjbca covers 4.0).
#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

struct AliasRun {
  CK_FUNCTION_LIST_PTR p = batteryFunctions();
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;

  // Generates a P-256 pair under a name the alias mode ignores, then aliases it.
  void generateAndAlias(const std::string& alias) {
    ASSERT_EQ(p->C_Initialize(nullptr), CKR_OK);
    ASSERT_EQ(p->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s),
              CKR_OK);
    Bytes params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    std::string ignored = "ignored";
    CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, params.data(), params.size()}};
    CK_ATTRIBUTE privT[] = {{CKA_ID, ignored.data(), ignored.size()}};
    CK_MECHANISM m{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    ASSERT_EQ(p->C_GenerateKeyPair(s, &m, pubT, 1, privT, 1, &pub, &priv), CKR_OK);
    CK_BBOOL yes = CK_TRUE;
    // SunPKCS11's P11KeyStore sends CKA_TOKEN with the alias.
    CK_ATTRIBUTE set[] = {{CKA_TOKEN, &yes, 1},
                          {CKA_ID, const_cast<char*>(alias.data()), alias.size()}};
    ASSERT_EQ(p->C_SetAttributeValue(s, priv, set, 2), CKR_OK);
  }

  Bytes attribute(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    Bytes buf(256);
    CK_ATTRIBUTE a{type, buf.data(), buf.size()};
    if (p->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) return {};
    buf.resize(a.ulValueLen);
    return buf;
  }

  CK_RV uploadCertificate(const std::string& alias) {
    Bytes der = selfSignedCertificateDer(alias);
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE c[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_ID, const_cast<char*>(alias.data()), alias.size()},
                        {CKA_VALUE, der.data(), der.size()}};
    CK_OBJECT_HANDLE cert = CK_INVALID_HANDLE;
    return p->C_CreateObject(s, c, 3, &cert);
  }
};

testing::EnvironmentOptions aliasMode(const std::string& firmware) {
  testing::EnvironmentOptions o;
  o.firmware = firmware;
  o.extraTopLevelYaml = "enable_set_attribute_value: true\n";
  return o;
}

TEST(AliasMode, Firmware22KeepsTheAliasInMemory) {
  testing::MockEnvironment env(aliasMode("2.2"));
  ASSERT_TRUE(env.ok());
  AliasRun run;
  run.generateAndAlias("old-fw-alias");
  Bytes realId = run.attribute(run.priv, CKA_ID);
  ASSERT_FALSE(realId.empty());
  EXPECT_NE(realId, toBytes("old-fw-alias"));  // no move endpoint before 3.0
  EXPECT_FALSE(env.admin().getKey("old-fw-alias").ok());
  ASSERT_EQ(run.uploadCertificate("old-fw-alias"), CKR_OK);
  auto stored = env.admin().getCertificate(toString(realId));
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->has_value());
  EXPECT_EQ(run.p->C_Finalize(nullptr), CKR_OK);
}

TEST(AliasMode, Firmware50RenamesAndLabelsTheKey) {
  testing::MockEnvironment env(aliasMode("5.0"));
  ASSERT_TRUE(env.ok());
  AliasRun run;
  run.generateAndAlias("new-fw-alias");
  EXPECT_EQ(run.attribute(run.priv, CKA_ID), toBytes("new-fw-alias"));
  EXPECT_EQ(run.attribute(run.pub, CKA_LABEL), toBytes("new-fw-alias"));
  auto key = env.admin().getKey("new-fw-alias");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->label.value_or(""), "new-fw-alias");
  ASSERT_EQ(run.uploadCertificate("new-fw-alias"), CKR_OK);
  auto stored = env.admin().getCertificate("new-fw-alias");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->has_value());
  EXPECT_EQ(run.p->C_Finalize(nullptr), CKR_OK);
}

}  // namespace
}  // namespace p11nethsm::conformance
