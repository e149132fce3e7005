// Issue 5 acceptance: cycles of dlopen → C_Initialize → sign → C_Finalize → dlclose
// leave no thread and no file descriptor behind (bytes: run under LeakSanitizer /
// valgrind). Count from P11NETHSM_DLOPEN_CYCLES (default 20; the lead runs 1,000).
#include <dirent.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "p11nethsm_test/mock_environment.hpp"
#include "p11nethsm_test/module_loader.hpp"

namespace p11nethsm {
namespace {

size_t entries(const char* dir) {
  size_t n = 0;
  if (DIR* d = opendir(dir)) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

int cycles() {
  const char* v = std::getenv("P11NETHSM_DLOPEN_CYCLES");
  int n = v ? std::atoi(v) : 20;
  return n > 0 ? n : 20;
}

// One full cycle; returns the first failing CK_RV (CKR_OK when all went well).
CK_RV cycle(const std::string& path) {
  testing::ModuleLoader module(path);
  if (!module.ok()) return CKR_GENERAL_ERROR;
  CK_FUNCTION_LIST_PTR p = module.functions();
  CK_RV rv = p->C_Initialize(nullptr);
  if (rv != CKR_OK) return rv;
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  rv = p->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
  std::string id = "cycle-ed";
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG count = 0;
  if (rv == CKR_OK) rv = p->C_FindObjectsInit(s, t, 2);
  if (rv == CKR_OK) rv = p->C_FindObjects(s, &key, 1, &count);
  if (rv == CKR_OK) rv = p->C_FindObjectsFinal(s);
  if (rv == CKR_OK && count != 1) rv = CKR_OBJECT_HANDLE_INVALID;
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  CK_BYTE data[] = "cycle", sig[64];
  CK_ULONG len = sizeof sig;
  if (rv == CKR_OK) rv = p->C_SignInit(s, &m, key);
  if (rv == CKR_OK) rv = p->C_Sign(s, data, sizeof data, sig, &len);
  CK_RV fin = p->C_Finalize(nullptr);
  return rv != CKR_OK ? rv : fin;
}

TEST(DlopenCycle, LeavesNoThreadOrFileDescriptor) {
  testing::MockEnvironment env;
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env.generateKey(nethsm::KeyType::kCurve25519, "cycle-ed"), "cycle-ed");
  std::string path = testing::builtModulePath();
  ASSERT_EQ(cycle(path), CKR_OK);  // warm-up: lazily created process-wide state
  size_t threads = entries("/proc/self/task");
  size_t fds = entries("/proc/self/fd");
  int n = cycles();
  for (int i = 0; i < n; ++i) ASSERT_EQ(cycle(path), CKR_OK) << "cycle " << i;
  // Server-side keep-alive sockets of the in-process mock close on their own.
  for (int i = 0; i < 50 && entries("/proc/self/fd") > fds; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(entries("/proc/self/task"), threads);
  EXPECT_LE(entries("/proc/self/fd"), fds);
  // dlclose really unloaded the module (no GNU_UNIQUE symbol pinned it).
  EXPECT_EQ(dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
  std::printf("dlopen cycles: %d, threads %zu, fds %zu\n", n, threads, fds);
}

}  // namespace
}  // namespace p11nethsm
