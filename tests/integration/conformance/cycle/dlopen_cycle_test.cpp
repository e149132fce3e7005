// Issue 5 acceptance: cycles of dlopen → C_Initialize → sign → C_Finalize → dlclose
// leave no thread and no file descriptor behind (bytes: run under LeakSanitizer /
// valgrind). Count from P11NETHSM_DLOPEN_CYCLES (default 20; the lead runs 1,000).
// Issue 9 item 1: the same WITHOUT C_Finalize (the host just dlcloses): no crash, no
// thread left running in unmapped code, no leak. P11NETHSM_DLCLOSE_CYCLES (default 50).
#include <dirent.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "p11nethsm_test/mock_environment.hpp"
#include "p11nethsm_test/module_loader.hpp"
#include "p11nethsm_test/wait_until.hpp"

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

int cycles(const char* knob, int fallback) {
  const char* v = std::getenv(knob);
  int n = v ? std::atoi(v) : fallback;
  return n > 0 ? n : fallback;
}

// One full cycle; returns the first failing CK_RV (CKR_OK when all went well). Without
// `finalize` the library is closed with the module initialized and a session open.
CK_RV cycle(const std::string& path, bool finalize = true) {
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
  CK_RV fin = finalize ? p->C_Finalize(nullptr) : CKR_OK;
  return rv != CKR_OK ? rv : fin;
}

// Waits (5 s at most) for the in-process mock to close its side of the module's
// connections; the EXPECT on the count that follows says what was left.
void waitForFds(size_t fds) {
  (void)testing::waitUntil([&] { return entries("/proc/self/fd") <= fds; }, std::chrono::seconds(5),
                           std::chrono::milliseconds(20));
}

TEST(DlopenCycle, LeavesNoThreadOrFileDescriptor) {
  testing::MockEnvironment env;
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env.generateKey(nethsm::KeyType::kCurve25519, "cycle-ed"), "cycle-ed");
  std::string path = testing::builtModulePath();
  ASSERT_EQ(cycle(path), CKR_OK);  // warm-up: lazily created process-wide state
  size_t threads = entries("/proc/self/task");
  size_t fds = entries("/proc/self/fd");
  int n = cycles("P11NETHSM_DLOPEN_CYCLES", 20);
  for (int i = 0; i < n; ++i) ASSERT_EQ(cycle(path), CKR_OK) << "cycle " << i;
  waitForFds(fds);  // server-side keep-alive sockets of the mock close on their own
  EXPECT_EQ(entries("/proc/self/task"), threads);
  EXPECT_LE(entries("/proc/self/fd"), fds);
  // dlclose really unloaded the module (no GNU_UNIQUE symbol pinned it).
  EXPECT_EQ(dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
  std::printf("dlopen cycles: %d, threads %zu, fds %zu\n", n, threads, fds);
}

// The host never calls C_Finalize: the module's exit/unload handler (run by dlclose)
// joins the health checker and releases everything. Before it, each cycle left a
// health thread sleeping in unmapped code (a crash when it woke, 30 s later).
TEST(DlopenCycle, WithoutFinalizeLeavesNoThreadBehind) {
  testing::MockEnvironment env;
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env.generateKey(nethsm::KeyType::kCurve25519, "cycle-ed"), "cycle-ed");
  std::string path = testing::builtModulePath();
  ASSERT_EQ(cycle(path), CKR_OK);  // warm-up, as above
  size_t threads = entries("/proc/self/task");
  size_t fds = entries("/proc/self/fd");
  int n = cycles("P11NETHSM_DLCLOSE_CYCLES", 50);
  size_t most = threads;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(cycle(path, false), CKR_OK) << "cycle " << i;
    most = std::max(most, entries("/proc/self/task"));
    ASSERT_EQ(dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr) << "cycle " << i;
  }
  waitForFds(fds);
  std::printf(
      "dlclose without C_Finalize: %d cycles, threads %zu (most after a cycle %zu), "
      "fds %zu -> %zu\n",
      n, threads, most, fds, entries("/proc/self/fd"));
  EXPECT_EQ(most, threads);  // checked after every cycle, not only at the end
  EXPECT_LE(entries("/proc/self/fd"), fds);
}

}  // namespace
}  // namespace p11nethsm
