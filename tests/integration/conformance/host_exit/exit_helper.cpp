// A host that exits while its threads are inside C_Sign (issue 9 item 1), started by
// host_exit_test.cpp. It dlopens the module, starts `threads` signing threads (each
// its own session, key "exit-ed"); once every thread has signed, it prints "signing",
// waits for a line on stdin (the test may first make the appliance stall), prints
// "exiting" and calls exit(0) without C_Finalize: from the main thread ("main"), or
// from a thread of its own while the main thread signs too ("thread").
// Exit status: 0 after exit(); 2 usage, 3 set-up failed, 4 a sign failed before exit.
// A crash shows as a signal in the parent.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "p11nethsm/pkcs11.hpp"

namespace {

CK_FUNCTION_LIST_PTR gP = nullptr;
std::atomic<int> gSigned{0};  // threads that have signed at least once
std::atomic<bool> gExiting{false};

CK_OBJECT_HANDLE findKey(CK_SESSION_HANDLE s) {
  std::string id = "exit-ed";
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  if (gP->C_FindObjectsInit(s, t, 2) != CKR_OK || gP->C_FindObjects(s, &key, 1, &n) != CKR_OK ||
      gP->C_FindObjectsFinal(s) != CKR_OK || n != 1)
    return CK_INVALID_HANDLE;
  return key;
}

// Signs until the process ends. A failure before exit() began is a test failure.
void signForever() {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  if (gP->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) _exit(3);
  CK_OBJECT_HANDLE key = findKey(s);
  if (key == CK_INVALID_HANDLE) _exit(3);
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  bool first = true;
  for (;;) {
    CK_BYTE data[] = "exit while signing", sig[64];
    CK_ULONG len = sizeof sig;
    CK_RV rv = gP->C_SignInit(s, &m, key);
    if (rv == CKR_OK) rv = gP->C_Sign(s, data, sizeof data, sig, &len);
    if (rv != CKR_OK && !gExiting.load()) {
      std::fprintf(stderr, "sign failed before exit: 0x%lx\n", rv);
      _exit(4);
    }
    if (rv != CKR_OK) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // no spin
    if (rv == CKR_OK && first) {
      first = false;
      gSigned.fetch_add(1);
    }
  }
}

[[noreturn]] void exitWhenTold(int signers) {
  while (gSigned.load() < signers) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::printf("signing\n");
  std::fflush(stdout);
  char line[16];
  if (!std::fgets(line, sizeof line, stdin)) _exit(3);
  gExiting.store(true);
  std::printf("exiting\n");
  std::fflush(stdout);
  std::exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const int threads = std::atoi(argv[2]);
  const bool fromThread = std::strcmp(argv[3], "thread") == 0;
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  auto get =
      lib ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList")) : nullptr;
  if (!get || get(&gP) != CKR_OK || gP->C_Initialize(nullptr) != CKR_OK) return 3;
  for (int t = 0; t < threads; ++t) std::thread(signForever).detach();
  if (fromThread) {
    std::thread([threads] { exitWhenTold(threads + 1); }).detach();
    signForever();  // the main thread is inside C_Sign when another thread exits
  }
  exitWhenTold(threads);
}
