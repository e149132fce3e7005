// Signing load for the rate-limit end-to-end test (issue 9 §2): loads the module
// with dlopen, logs in once (C_Login is token-wide), then `threads` sessions sign
// with the key whose CKA_ID is `key-id` until `stop-file` exists (at most 120 s).
// Writes "ready" to `ready-file` once every thread has signed once, and prints
//   signatures=N failures=F first_failure_rv=0x...
// Usage: p11nethsm_sign_load <module.so> <threads> <key-id> <ready-file> <stop-file>
// The PIN comes from the environment variable P11NETHSM_E2E_PIN.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "p11nethsm_test/wait_until.hpp"

namespace {

std::atomic<unsigned long> signatures{0}, failures{0}, firstFailure{CKR_OK}, warm{0};

bool exists(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0;
}

CK_OBJECT_HANDLE findKey(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, const std::string& id) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                      {CKA_ID, const_cast<char*>(id.data()), id.size()}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  if (p->C_FindObjectsInit(s, t, 2) != CKR_OK) return CK_INVALID_HANDLE;
  p->C_FindObjects(s, &key, 1, &n);
  p->C_FindObjectsFinal(s);
  return n == 1 ? key : CK_INVALID_HANDLE;
}

void fail(CK_RV rv) {
  failures.fetch_add(1);
  unsigned long none = CKR_OK;
  firstFailure.compare_exchange_strong(none, rv);
}

void signLoop(CK_FUNCTION_LIST_PTR p, CK_SLOT_ID slot, CK_OBJECT_HANDLE key, const char* stop,
              std::chrono::steady_clock::time_point deadline) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  if (CK_RV rv = p->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s); rv != CKR_OK) {
    fail(rv);
    return;
  }
  CK_BYTE digest[32];
  std::memset(digest, 0x5a, sizeof digest);
  CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
  bool first = true;
  while (!exists(stop) && std::chrono::steady_clock::now() < deadline) {
    CK_BYTE sig[128];
    CK_ULONG len = sizeof sig;
    CK_RV rv = p->C_SignInit(s, &m, key);
    if (rv == CKR_OK) rv = p->C_Sign(s, digest, sizeof digest, sig, &len);
    if (rv == CKR_OK && len == 64)
      signatures.fetch_add(1);
    else
      fail(rv == CKR_OK ? CKR_GENERAL_ERROR : rv);
    if (first) warm.fetch_add(1);
    first = false;
  }
  p->C_CloseSession(s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 || !std::getenv("P11NETHSM_E2E_PIN")) {
    std::fprintf(stderr,
                 "usage: P11NETHSM_E2E_PIN=... %s <module.so> <threads> <key-id> "
                 "<ready-file> <stop-file>\n",
                 argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  auto get =
      lib ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList")) : nullptr;
  CK_FUNCTION_LIST_PTR p = nullptr;
  if (!get || get(&p) != CKR_OK || p->C_Initialize(nullptr) != CKR_OK) {
    std::fprintf(stderr, "cannot load and initialize %s\n", argv[1]);
    return 1;
  }
  CK_SLOT_ID slot = 0;
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  std::string pin = std::getenv("P11NETHSM_E2E_PIN");
  if (p->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK ||
      p->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size()) !=
          CKR_OK) {
    std::fprintf(stderr, "login failed\n");
    return 1;
  }
  CK_OBJECT_HANDLE key = findKey(p, s, argv[3]);
  if (key == CK_INVALID_HANDLE) {
    std::fprintf(stderr, "no private key with CKA_ID %s\n", argv[3]);
    return 1;
  }
  const unsigned threads = static_cast<unsigned>(std::atoi(argv[2]));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i)
    pool.emplace_back(signLoop, p, slot, key, argv[5], deadline);
  if (!p11nethsm::testing::waitUntil([&] { return warm.load() >= threads; },
                                     std::chrono::seconds(120), std::chrono::milliseconds(10)))
    std::fprintf(stderr, "only %lu of %u threads signed within 120 s\n", warm.load(), threads);
  std::ofstream(argv[4]) << "ready\n";
  for (auto& t : pool) t.join();
  std::printf("signatures=%lu failures=%lu first_failure_rv=0x%lx\n", signatures.load(),
              failures.load(), firstFailure.load());
  p->C_CloseSession(s);
  p->C_Finalize(nullptr);
  return 0;
}
