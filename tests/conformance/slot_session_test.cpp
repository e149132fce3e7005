// Issue 5 §3–4: slots, tokens, sessions and token-wide login.
#include <cstring>
#include <set>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

using testing::kAdminPassword;
using testing::kOperatorPassword;

testing::EnvironmentOptions passwordsFromLogin() {
  testing::EnvironmentOptions o;
  o.operatorPasswordInConfig = false;
  o.adminPasswordInConfig = false;
  return o;
}

std::string field(const unsigned char* p, size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  return s.substr(0, s.find_last_not_of(' ') + 1);
}

TEST_F(Battery, SlotAndTokenInfo) {
  CK_ULONG count = 0;
  ASSERT_EQ(p_->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_OK);
  ASSERT_EQ(count, 1u);
  CK_SLOT_ID slots[1];
  CK_ULONG zero = 0;
  EXPECT_EQ(p_->C_GetSlotList(CK_FALSE, slots, &zero), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(zero, 1u);
  CK_SLOT_INFO si;
  ASSERT_EQ(p_->C_GetSlotInfo(0, &si), CKR_OK);
  EXPECT_TRUE(si.flags & CKF_TOKEN_PRESENT);
  EXPECT_EQ(p_->C_GetSlotInfo(7, &si), CKR_SLOT_ID_INVALID);
  CK_TOKEN_INFO ti;
  ASSERT_EQ(p_->C_GetTokenInfo(0, &ti), CKR_OK);
  EXPECT_EQ(field(ti.label, 32), "NetHSM");
  EXPECT_TRUE(ti.flags & CKF_RNG);
  EXPECT_TRUE(ti.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_TRUE(ti.flags & CKF_USER_PIN_INITIALIZED);
  EXPECT_FALSE(ti.flags & CKF_LOGIN_REQUIRED);       // the password is in the configuration
  EXPECT_NE(field(ti.serialNumber, 16), "unknown");  // /system/info deviceId (admin)
  EXPECT_EQ(p_->C_GetTokenInfo(7, &ti), CKR_SLOT_ID_INVALID);
}

TEST_F(Battery, LoginRequiredOnlyWhenNoPasswordConfigured) {
  reinitialize(passwordsFromLogin());
  CK_TOKEN_INFO ti;
  ASSERT_EQ(p_->C_GetTokenInfo(0, &ti), CKR_OK);
  EXPECT_TRUE(ti.flags & CKF_LOGIN_REQUIRED);
  EXPECT_EQ(field(ti.serialNumber, 16), "unknown");  // no administrator password yet
}

TEST_F(Battery, MechanismListAndInfo) {
  CK_ULONG count = 0;
  ASSERT_EQ(p_->C_GetMechanismList(0, nullptr, &count), CKR_OK);
  ASSERT_GT(count, 5u);
  std::vector<CK_MECHANISM_TYPE> mechs(count);
  ASSERT_EQ(p_->C_GetMechanismList(0, mechs.data(), &count), CKR_OK);
  std::set<CK_MECHANISM_TYPE> set(mechs.begin(), mechs.end());
  for (CK_MECHANISM_TYPE m : {CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_ECDSA, CKM_EDDSA})
    EXPECT_TRUE(set.count(m)) << m;
  CK_MECHANISM_INFO info;
  ASSERT_EQ(p_->C_GetMechanismInfo(0, CKM_SHA256_RSA_PKCS, &info), CKR_OK);
  EXPECT_TRUE(info.flags & CKF_SIGN);
  EXPECT_EQ(p_->C_GetMechanismInfo(0, 0x7FFFFFF0UL, &info), CKR_MECHANISM_INVALID);
}

TEST_F(Battery, InitTokenAndInitPinAreNotSupported) {
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof label);
  EXPECT_EQ(p_->C_InitToken(0, nullptr, 0, label), CKR_FUNCTION_NOT_SUPPORTED);
  CK_SESSION_HANDLE s = open(true);
  EXPECT_EQ(p_->C_InitPIN(s, nullptr, 0), CKR_FUNCTION_NOT_SUPPORTED);
}

TEST_F(Battery, SessionHandlesAreNeverReused) {
  CK_SESSION_HANDLE s;
  EXPECT_EQ(p_->C_OpenSession(0, 0, nullptr, nullptr, &s), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(p_->C_OpenSession(5, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_SLOT_ID_INVALID);
  std::set<CK_SESSION_HANDLE> seen;
  for (int i = 0; i < 20; ++i) {
    CK_SESSION_HANDLE h = open();
    EXPECT_TRUE(seen.insert(h).second);
    EXPECT_EQ(p_->C_CloseSession(h), CKR_OK);
    EXPECT_EQ(p_->C_CloseSession(h), CKR_SESSION_HANDLE_INVALID);
  }
  CK_SESSION_HANDLE a = open(), b = open(true);
  EXPECT_EQ(p_->C_CloseAllSessions(0), CKR_OK);
  CK_SESSION_INFO info;
  EXPECT_EQ(p_->C_GetSessionInfo(a, &info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(p_->C_GetSessionInfo(b, &info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(p_->C_CloseAllSessions(9), CKR_SLOT_ID_INVALID);
}

TEST_F(Battery, SessionStatesFollowTheSpecTables) {
  reinitialize(passwordsFromLogin());
  CK_SESSION_HANDLE ro = open(), rw = open(true);
  EXPECT_EQ(state(ro), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(state(rw), CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(login(ro, CKU_SO, kAdminPassword), CKR_SESSION_READ_ONLY_EXISTS);
  ASSERT_EQ(login(rw, CKU_USER, kOperatorPassword), CKR_OK);
  // Login is token-wide: every session of the application is logged in.
  EXPECT_EQ(state(ro), CKS_RO_USER_FUNCTIONS);
  EXPECT_EQ(state(rw), CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(login(ro, CKU_USER, kOperatorPassword), CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(login(ro, CKU_SO, kAdminPassword), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  EXPECT_EQ(p_->C_Logout(ro), CKR_OK);
  EXPECT_EQ(p_->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(state(rw), CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(p_->C_CloseSession(ro), CKR_OK);
  ASSERT_EQ(login(rw, CKU_SO, kAdminPassword), CKR_OK);
  EXPECT_EQ(state(rw), CKS_RW_SO_FUNCTIONS);
  CK_SESSION_HANDLE h;
  EXPECT_EQ(p_->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &h),
            CKR_SESSION_READ_WRITE_SO_EXISTS);
  EXPECT_EQ(login(rw, CKU_CONTEXT_SPECIFIC, kAdminPassword), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(login(rw, 77, kAdminPassword), CKR_USER_TYPE_INVALID);
}

// Within a second of a failed attempt the appliance answers 429 to that user name
// (BEHAVIOUR.md §2): the module waits it out, so a second wrong PIN is still
// CKR_PIN_INCORRECT and the right one, typed at once, logs in (issue 9).
TEST_F(Battery, WrongPinThenRightPinAtOnce) {
  reinitialize(passwordsFromLogin());
  CK_SESSION_HANDLE s = open();
  EXPECT_EQ(login(s, CKU_USER, "wrongPassphrase"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(s, CKU_USER, "wrongAgain!!"), CKR_PIN_INCORRECT);
  EXPECT_EQ(state(s), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(login(s, CKU_USER, kOperatorPassword), CKR_OK);
  EXPECT_EQ(state(s), CKS_RO_USER_FUNCTIONS);
}

TEST_F(Battery, LogoutDropsTheCredentialsOfLogin) {
  reinitialize(passwordsFromLogin());
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
  EXPECT_TRUE(find(s, {attr(CKA_CLASS, &priv, sizeof priv)}).empty());  // private: hidden
  EXPECT_EQ(lastRv_, CKR_OK);  // no credentials at all: nothing found, no error
  ASSERT_EQ(login(s, CKU_USER, kOperatorPassword), CKR_OK);
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, kEdId);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  EXPECT_EQ(sign(s, key, CKM_EDDSA, toBytes("x")).size(), 64u);
  ASSERT_EQ(p_->C_Logout(s), CKR_OK);
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  EXPECT_EQ(p_->C_SignInit(s, &m, key), CKR_KEY_HANDLE_INVALID);  // private key not visible
  CK_BYTE random[8];
  EXPECT_EQ(p_->C_GenerateRandom(s, random, sizeof random), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(Battery, CloseAllSessionsLogsOut) {
  reinitialize(passwordsFromLogin());
  CK_SESSION_HANDLE s = open();
  ASSERT_EQ(login(s, CKU_USER, kOperatorPassword), CKR_OK);
  ASSERT_EQ(p_->C_CloseAllSessions(0), CKR_OK);
  CK_SESSION_HANDLE again = open();
  EXPECT_EQ(state(again), CKS_RO_PUBLIC_SESSION);
}

TEST_F(Battery, LoginUserAcceptsAnyUserNameIncludingNamespaces) {
  reinitialize(passwordsFromLogin());
  ASSERT_TRUE(env_->addNamespacedOperator("ns1", "alice", "alicePassphrase"));
  CK_SESSION_HANDLE s = open();
  auto get = batteryGetInterface();
  CK_INTERFACE_PTR i = nullptr;
  ASSERT_EQ(get(nullptr, nullptr, &i, 0), CKR_OK);
  auto* fl = static_cast<CK_FUNCTION_LIST_3_0*>(i->pFunctionList);
  std::string user = "ns1~alice", pin = "alicePassphrase";
  auto u = reinterpret_cast<CK_UTF8CHAR_PTR>(user.data());
  auto pw = reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data());
  ASSERT_EQ(fl->C_LoginUser(s, CKU_USER, pw, pin.size(), u, user.size()), CKR_OK);
  EXPECT_EQ(state(s), CKS_RO_USER_FUNCTIONS);
  // A namespaced user sees only the keys of its namespace: none here.
  CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
  EXPECT_TRUE(find(s, {attr(CKA_CLASS, &priv, sizeof priv)}).empty());
  EXPECT_EQ(lastRv_, CKR_OK);
}

TEST_F(Battery, SetPinForUserAndSo) {
  CK_SESSION_HANDLE ro = open();
  std::string oldPin = kOperatorPassword, newPin = "newOperatorPin1";
  auto cast = [](std::string& s) { return reinterpret_cast<CK_UTF8CHAR_PTR>(s.data()); };
  EXPECT_EQ(p_->C_SetPIN(ro, cast(oldPin), oldPin.size(), cast(newPin), newPin.size()),
            CKR_SESSION_READ_ONLY);
  CK_SESSION_HANDLE s = open(true);
  std::string wrong = "notThePassphrase";
  EXPECT_EQ(p_->C_SetPIN(s, cast(wrong), wrong.size(), cast(newPin), newPin.size()),
            CKR_PIN_INCORRECT);
  ASSERT_EQ(p_->C_SetPIN(s, cast(oldPin), oldPin.size(), cast(newPin), newPin.size()), CKR_OK);
  ASSERT_EQ(p_->C_SetPIN(s, cast(newPin), newPin.size(), cast(oldPin), oldPin.size()), CKR_OK);
  ASSERT_EQ(p_->C_CloseSession(ro), CKR_OK);  // SO login needs no read-only session
  ASSERT_EQ(login(s, CKU_SO, kAdminPassword), CKR_OK);
  std::string adminPin = kAdminPassword, newAdmin = "newAdminPin12";
  ASSERT_EQ(p_->C_SetPIN(s, cast(adminPin), adminPin.size(), cast(newAdmin), newAdmin.size()),
            CKR_OK);
  ASSERT_EQ(p_->C_SetPIN(s, cast(newAdmin), newAdmin.size(), cast(adminPin), adminPin.size()),
            CKR_OK);
}

TEST_F(Battery, DeviceErrorCarriesTheHttpStatus) {
  CK_SESSION_HANDLE s = open();
  mock::FaultRule rule;
  rule.kind = mock::FaultKind::kFailStatus;
  rule.pathRegex = "/random";
  rule.status = 500;
  env_->mock().addFault(0, rule);
  CK_BYTE random[16];
  EXPECT_EQ(p_->C_GenerateRandom(s, random, sizeof random), CKR_DEVICE_ERROR);
  CK_SESSION_INFO info;
  ASSERT_EQ(p_->C_GetSessionInfo(s, &info), CKR_OK);
  EXPECT_EQ(info.ulDeviceError, 500u);
}

TEST_F(Battery, TokenPresenceFollowsHealthAndSignalsEvents) {
  CK_SESSION_HANDLE s = open();
  env_->mock().setInstanceDown(0, true);
  CK_BYTE random[8];
  EXPECT_NE(p_->C_GenerateRandom(s, random, sizeof random), CKR_OK);
  CK_ULONG count = 5;
  ASSERT_EQ(p_->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_OK);
  EXPECT_EQ(count, 0u);
  CK_SLOT_ID slot = 9;
  EXPECT_EQ(p_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_OK);
  EXPECT_EQ(slot, 0u);
  CK_TOKEN_INFO ti;
  EXPECT_EQ(p_->C_GetTokenInfo(0, &ti), CKR_TOKEN_NOT_PRESENT);
  env_->mock().setInstanceDown(0, false);
  // The health checker finds it again (failed instances are probed after ~1 s).
  EXPECT_EQ(p_->C_WaitForSlotEvent(0, &slot, nullptr), CKR_OK);
  ASSERT_EQ(p_->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_OK);
  EXPECT_EQ(count, 1u);
}

}  // namespace
}  // namespace p11nethsm::conformance
