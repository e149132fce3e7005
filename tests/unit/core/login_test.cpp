// Token-wide login state (PKCS#11 v2.40 §5.6, §6.6) and which NetHSM user each call
// is made as (BEHAVIOUR.md §2: exact role match; CKU_USER = Operator, CKU_SO =
// Administrator), through the module against the fake appliance.
#include "fake_module.hpp"
#include "p11nethsm_test/mock_environment.hpp"

namespace p11nethsm::testing {
namespace {

CK_RV login(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, CK_USER_TYPE type, std::string pin) {
  return p->C_Login(s, type, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()),
                    static_cast<CK_ULONG>(pin.size()));
}

// No password in the configuration: every PIN comes from C_Login.
class Login : public FakeModule {
 protected:
  void SetUp() override {
    FakeModuleOptions o;
    o.operatorPasswordInConfig = false;
    o.adminPasswordInConfig = false;
    start(o);
  }
  CK_RV signOnce(CK_OBJECT_HANDLE key) {
    CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
    CK_RV rv = p_->C_SignInit(s_, &m, key);
    if (rv != CKR_OK) return rv;
    Bytes data{1, 2, 3}, sig(512);
    CK_ULONG len = sig.size();
    return p_->C_Sign(s_, data.data(), data.size(), sig.data(), &len);
  }
  CK_STATE state() {
    CK_SESSION_INFO info{};
    EXPECT_EQ(p_->C_GetSessionInfo(s_, &info), CKR_OK);
    return info.state;
  }
};

TEST_F(Login, WrongPinIsPinIncorrectThenTheRightPinLogsIn) {
  EXPECT_EQ(login(p_, s_, CKU_USER, "wrong passphrase"), CKR_PIN_INCORRECT);
  EXPECT_EQ(state(), CKS_RW_PUBLIC_SESSION);
  // The firmware's 1 s throttle after the failure has passed (no sleep: the fake ends it).
  fake().appliance().endRateLimitWindows();
  EXPECT_EQ(login(p_, s_, CKU_USER, kOperatorPassword), CKR_OK);
  EXPECT_EQ(state(), CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(login(p_, s_, CKU_USER, kOperatorPassword), CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(login(p_, s_, CKU_SO, kAdminPassword), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
}

TEST_F(Login, PinCheckedAsTheOperatorForUserAndTheAdministratorForSo) {
  // The administrator's passphrase is no Operator's PIN, and the reverse.
  EXPECT_EQ(login(p_, s_, CKU_USER, kAdminPassword), CKR_PIN_INCORRECT);
  fake().appliance().endRateLimitWindows();
  EXPECT_EQ(login(p_, s_, CKU_SO, kOperatorPassword), CKR_PIN_INCORRECT);
  fake().appliance().endRateLimitWindows();
  EXPECT_EQ(login(p_, s_, CKU_SO, kAdminPassword), CKR_OK);
  EXPECT_EQ(state(), CKS_RW_SO_FUNCTIONS);
  size_t accepted = 0;  // health probes carry no user: left out
  for (const auto& e : fake().journal()) {
    if (!e.user.empty() && e.status >= 200 && e.status < 300) {
      ++accepted;
      EXPECT_EQ(e.user, "admin") << e.path;
    }
  }
  EXPECT_GE(accepted, 1u);
}

TEST_F(Login, NothingPrivateWithoutLogin) {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  EXPECT_EQ(generateRsa({'k', '1'}, "", pub, priv), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(requests("POST", "/keys/generate"), 0u);
  EXPECT_EQ(fake().keys().size(), 0u);
}

TEST_F(Login, SignWithoutLoginIsRefusedWithoutAsking) {
  ASSERT_EQ(login(p_, s_, CKU_SO, kAdminPassword), CKR_OK);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256({'k', '1'}, "", pub, priv), CKR_OK);
  // An Administrator cannot sign (exact role match), and no Operator PIN was given.
  EXPECT_EQ(signOnce(priv), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(requests("POST", "/keys/[^/]+/sign"), 0u);
  ASSERT_EQ(p_->C_Logout(s_), CKR_OK);
  EXPECT_EQ(p_->C_Logout(s_), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(state(), CKS_RW_PUBLIC_SESSION);
  ASSERT_EQ(login(p_, s_, CKU_USER, kOperatorPassword), CKR_OK);
  EXPECT_EQ(signOnce(findKey(CKO_PRIVATE_KEY, {'k', '1'})), CKR_OK);
  ASSERT_EQ(requests("POST", "/keys/k1/sign"), 1u);
  for (const auto& e : fake().journal()) {
    if (e.path == "/keys/k1/sign") {
      EXPECT_EQ(e.user, "operator");
    }
  }
}

// With only CKU_SO logged in and no Operator password, key listings are made with the
// Administrator's credentials (both roles may read keys); generation always is.
TEST_F(Login, SoReadsAndGeneratesAsTheAdministrator) {
  ASSERT_EQ(login(p_, s_, CKU_SO, kAdminPassword), CKR_OK);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256({'e', '1'}, "", pub, priv), CKR_OK);
  restartModule();
  ASSERT_EQ(login(p_, s_, CKU_SO, kAdminPassword), CKR_OK);
  fake().clearJournal();
  EXPECT_NE(findKey(CKO_PRIVATE_KEY, {'e', '1'}), CK_INVALID_HANDLE);
  ASSERT_GE(requests("GET", "/keys.*"), 1u);
  for (const auto& e : fake().journal()) {
    if (e.path.rfind("/keys", 0) == 0) {
      EXPECT_EQ(e.user, "admin") << e.method << " " << e.path;
    }
  }
}

// CKU_USER logged in, the administrator's password in the configuration: key
// generation (Administrator only on the appliance) uses it, signing the Operator's PIN.
class LoginWithAdminConfigured : public Login {
 protected:
  void SetUp() override {
    FakeModuleOptions o;
    o.operatorPasswordInConfig = false;
    start(o);
  }
};

TEST_F(LoginWithAdminConfigured, UserGeneratesWithAdministratorCredentials) {
  ASSERT_EQ(login(p_, s_, CKU_USER, kOperatorPassword), CKR_OK);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(generateP256({'g', '1'}, "", pub, priv), CKR_OK);
  EXPECT_EQ(signOnce(priv), CKR_OK);
  size_t generations = 0, signs = 0;
  for (const auto& e : fake().journal()) {
    if (e.path == "/keys/generate") {
      ++generations;
      EXPECT_EQ(e.user, "admin");
    }
    if (e.path == "/keys/g1/sign") {
      ++signs;
      EXPECT_EQ(e.user, "operator");
    }
  }
  EXPECT_EQ(generations, 1u);
  EXPECT_EQ(signs, 1u);
}

}  // namespace
}  // namespace p11nethsm::testing
