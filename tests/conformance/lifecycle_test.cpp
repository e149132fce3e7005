// Issue 5 §1–2: function lists, interfaces, C_Initialize / C_Finalize.
#include <cstdio>
#include <cstring>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

CK_RV createMutex(CK_VOID_PTR_PTR m) {
  *m = reinterpret_cast<void*>(1);
  return CKR_OK;
}
CK_RV destroyMutex(CK_VOID_PTR) { return CKR_OK; }
CK_RV lockMutex(CK_VOID_PTR) { return CKR_OK; }
CK_RV unlockMutex(CK_VOID_PTR) { return CKR_OK; }

TEST_F(Lifecycle, CallsBeforeInitializeReturnNotInitialized) {
  CK_INFO info;
  CK_ULONG count = 0;
  EXPECT_EQ(p_->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(p_->C_GetSlotList(CK_FALSE, nullptr, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(p_->C_CloseSession(1), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(p_->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_F(Lifecycle, SecondInitializeIsAlreadyInitialized) {
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  EXPECT_EQ(p_->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  EXPECT_EQ(p_->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(p_->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);  // again after finalize
}

TEST_F(Lifecycle, InitializeArgumentsPerSpec) {
  CK_C_INITIALIZE_ARGS args{};
  args.pReserved = &args;
  EXPECT_EQ(p_->C_Initialize(&args), CKR_ARGUMENTS_BAD);
  args = CK_C_INITIALIZE_ARGS{};
  args.CreateMutex = createMutex;  // some but not all callbacks
  EXPECT_EQ(p_->C_Initialize(&args), CKR_ARGUMENTS_BAD);
  args.DestroyMutex = destroyMutex;
  args.LockMutex = lockMutex;
  args.UnlockMutex = unlockMutex;
  EXPECT_EQ(p_->C_Initialize(&args), CKR_CANT_LOCK);  // callbacks only, we use OS locks
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(p_->C_Initialize(&args), CKR_OK);
  EXPECT_EQ(p_->C_Finalize(&args), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(p_->C_Finalize(nullptr), CKR_OK);
  CK_C_INITIALIZE_ARGS osOnly{};
  osOnly.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(p_->C_Initialize(&osOnly), CKR_OK);
}

TEST_F(Lifecycle, NoThreadsFlagStillSigns) {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS;
  ASSERT_EQ(p_->C_Initialize(&args), CKR_OK);
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, kEdId);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  EXPECT_EQ(sign(s, key, CKM_EDDSA, toBytes("no threads")).size(), 64u);
  EXPECT_EQ(lastRv_, CKR_OK);
}

// Right after C_Initialize; lifecycle_linked_test.cpp also checks once the health
// thread has gone to sleep (issue 9 item 0).
TEST_F(Lifecycle, InitializeDoesNoNetworkIo) {
  env_->mock().resetCounters();
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  EXPECT_EQ(env_->mock().counters(0).requests, 0u);
  EXPECT_EQ(env_->mock().counters(0).tcpConnections, 0u);
}

TEST_F(Lifecycle, FunctionListIsCompleteAndVersion240) {
  EXPECT_EQ(p_->version.major, 2);
  EXPECT_EQ(p_->version.minor, 40);
  // Every entry of the v2.40 list is set (68 functions after the version).
  auto* entries = reinterpret_cast<void* const*>(&p_->C_Initialize);
  for (int i = 0; i < 68; ++i) EXPECT_NE(entries[i], nullptr) << "entry " << i;
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  CK_INFO info;
  ASSERT_EQ(p_->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 2);
  EXPECT_EQ(info.cryptokiVersion.minor, 40);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(info.manufacturerID), 8), "Nitrokey");
}

TEST_F(Lifecycle, InterfacesOffer30And240WithMatchingGetInfo) {
  auto list = batteryInterfaceList();
  auto get = batteryGetInterface();
  ASSERT_TRUE(list && get);
  CK_ULONG count = 0;
  ASSERT_EQ(list(nullptr, &count), CKR_OK);
  ASSERT_EQ(count, 2u);
  CK_ULONG small = 1;
  CK_INTERFACE one[1];
  EXPECT_EQ(list(one, &small), CKR_BUFFER_TOO_SMALL);
  std::vector<CK_INTERFACE> all(count);
  ASSERT_EQ(list(all.data(), &count), CKR_OK);
  ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK);
  for (const auto& i : all) {
    EXPECT_STREQ(reinterpret_cast<const char*>(i.pInterfaceName), "PKCS 11");
    auto* fl = static_cast<CK_FUNCTION_LIST*>(i.pFunctionList);
    CK_INFO info;
    ASSERT_EQ(fl->C_GetInfo(&info), CKR_OK);
    EXPECT_EQ(info.cryptokiVersion.major, fl->version.major);
    EXPECT_EQ(info.cryptokiVersion.minor, fl->version.minor);
  }
  CK_INTERFACE_PTR def = nullptr;
  ASSERT_EQ(get(nullptr, nullptr, &def, 0), CKR_OK);
  auto* fl30 = static_cast<CK_FUNCTION_LIST_3_0*>(def->pFunctionList);
  EXPECT_EQ(fl30->version.major, 3);
  CK_VERSION v240{2, 40};
  CK_INTERFACE_PTR old = nullptr;
  ASSERT_EQ(get(reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>("PKCS 11")), &v240, &old, 0),
            CKR_OK);
  EXPECT_EQ(static_cast<CK_FUNCTION_LIST*>(old->pFunctionList)->version.minor, 40);
  // 3.0 functions we do not offer say so; C_SessionCancel works.
  // (called without arguments: the stubs take none and the C ABI ignores extra ones)
  ASSERT_NE(fl30->C_MessageEncryptInit, nullptr);
  EXPECT_EQ(fl30->C_MessageEncryptInit(), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(fl30->C_MessageVerifyFinal(), CKR_FUNCTION_NOT_SUPPORTED);
  CK_SESSION_HANDLE s = open();
  EXPECT_EQ(fl30->C_SessionCancel(s, CKF_SIGN), CKR_OK);
  EXPECT_EQ(fl30->C_SessionCancel(s + 1000, CKF_SIGN), CKR_SESSION_HANDLE_INVALID);
}

// C_Finalize waking a blocked C_WaitForSlotEvent: lifecycle_linked_test.cpp (it
// must see the waiter blocking inside the module first).

}  // namespace
}  // namespace p11nethsm::conformance

// fork(): fork_test.cpp.
