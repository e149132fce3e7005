// A host process for the tests in this folder: it dlopens the module (path in argv[1])
// and talks to the test's in-process mock, so that nothing else in it uses OpenSSL.
//   host_helper <module.so> exit-main|exit-thread
//     8 threads sign (each its own session, key "host-ed"); once every thread has
//     signed it prints "signing", waits for a line on stdin (the test may first stall
//     the appliance), prints "exiting" and calls exit(0) without C_Finalize, from the
//     main thread or from a thread of its own while the main thread signs too.
//   host_helper <module.so> fork <count>
//     8 threads sign and verify every signature while the main thread forks `count`
//     children; each child checks that the parent's state is gone, calls its own
//     C_Initialize, signs and verifies. Prints one summary line.
// Exit status: 0 all well; 1 a check failed (summary says which); 2 usage; 3 set-up
// failed; 4 a sign failed before exit. A crash shows as a signal in the parent.
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "p11nethsm/pkcs11.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace {

using Bytes = std::vector<unsigned char>;

CK_FUNCTION_LIST_PTR gP = nullptr;
std::atomic<int> gSigned{0};  // threads that have signed at least once
std::atomic<bool> gExiting{false};
std::atomic<long> gSigns{0}, gSignFailures{0};

CK_OBJECT_HANDLE findKey(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls) {
  std::string id = "host-ed";
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  if (gP->C_FindObjectsInit(s, t, 2) != CKR_OK || gP->C_FindObjects(s, &key, 1, &n) != CKR_OK ||
      gP->C_FindObjectsFinal(s) != CKR_OK || n != 1)
    return CK_INVALID_HANDLE;
  return key;
}

CK_RV sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, const std::string& text, Bytes& sig) {
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  sig.assign(64, 0);
  CK_ULONG len = 64;
  std::string data = text;
  CK_RV rv = gP->C_SignInit(s, &m, key);
  if (rv == CKR_OK)
    rv = gP->C_Sign(s, reinterpret_cast<CK_BYTE_PTR>(data.data()), data.size(), sig.data(), &len);
  return rv;
}

// Ed25519 verification of the module's signature with the public key it reports.
bool verifies(CK_SESSION_HANDLE s, const std::string& text, const Bytes& sig) {
  CK_OBJECT_HANDLE pub = findKey(s, CKO_PUBLIC_KEY);
  unsigned char spki[128];
  CK_ATTRIBUTE a{CKA_PUBLIC_KEY_INFO, spki, sizeof spki};
  if (pub == CK_INVALID_HANDLE || gP->C_GetAttributeValue(s, pub, &a, 1) != CKR_OK) return false;
  const unsigned char* p = spki;
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(a.ulValueLen));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      key && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, sig.data(), sig.size(),
                       reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

CK_SESSION_HANDLE openSession() {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  if (gP->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) _exit(3);
  return s;
}

// Signs until told to stop (or the process ends). `verify`: check every signature.
void signLoop(bool verify, const std::atomic<bool>* stop) {
  CK_SESSION_HANDLE s = openSession();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY);
  if (key == CK_INVALID_HANDLE) _exit(3);
  Bytes sig;
  for (long n = 0; !stop || !stop->load(); ++n) {
    const std::string text = "host " + std::to_string(n);
    CK_RV rv = sign(s, key, text, sig);
    if (rv != CKR_OK && gExiting.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // pacing: no spin while exiting
      continue;
    }
    if (rv != CKR_OK && !verify) {
      std::fprintf(stderr, "sign failed before exit: 0x%lx\n", rv);
      _exit(4);
    }
    gSigns++;
    if (rv != CKR_OK || (verify && !verifies(s, text, sig))) gSignFailures++;
    if (n == 0) gSigned.fetch_add(1);
  }
}

// Until `signers` threads have signed once; a set-up failure (exit 3) after a minute.
void waitForSigners(int signers) {
  if (p11nethsm::testing::waitUntil([&] { return gSigned.load() >= signers; },
                                    std::chrono::seconds(60), std::chrono::milliseconds(1)))
    return;
  std::fprintf(stderr, "only %d of %d threads signed within 60 s\n", gSigned.load(), signers);
  _exit(3);
}

[[noreturn]] void exitWhenTold(int signers) {
  waitForSigners(signers);
  std::printf("signing\n");
  std::fflush(stdout);
  char line[16];
  if (!std::fgets(line, sizeof line, stdin)) _exit(3);
  gExiting.store(true);
  std::printf("exiting\n");
  std::fflush(stdout);
  std::exit(0);
}

int exitWhileSigning(bool fromThread) {
  for (int t = 0; t < 8; ++t) std::thread(signLoop, false, nullptr).detach();
  if (fromThread) {
    std::thread([] { exitWhenTold(9); }).detach();
    signLoop(false, nullptr);  // the main thread is inside C_Sign when another one exits
  }
  exitWhenTold(8);
}

// The child: the parent's state is gone; its own C_Initialize; sign and verify.
int child() {
  CK_SESSION_HANDLE s;
  if (gP->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) !=
      CKR_CRYPTOKI_NOT_INITIALIZED)
    return 10;
  if (gP->C_Initialize(nullptr) != CKR_OK) return 11;
  s = openSession();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY);
  Bytes sig;
  const std::string text = "child " + std::to_string(getpid());
  if (key == CK_INVALID_HANDLE || sign(s, key, text, sig) != CKR_OK) return 12;
  if (!verifies(s, text, sig)) return 13;
  return gP->C_Finalize(nullptr) == CKR_OK ? 0 : 14;
}

// Waits up to 60 s for the child; a child that hangs (a lock inherited held) is
// killed and counted.
bool childEndsWell(pid_t pid, long& hung) {
  int status = 0;
  if (p11nethsm::testing::waitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                                    std::chrono::seconds(60), std::chrono::milliseconds(1)))
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  // The hang is rare (1 child in 100 once in CI): every thread's stack goes to the
  // log before the kill, so the run that shows it also shows which lock it waits on.
  const std::string backtrace =
      "gdb -batch -p " + std::to_string(pid) + " -ex 'thread apply all bt' 1>&2";
  if (std::system(backtrace.c_str()) != 0) std::fprintf(stderr, "hung child: no gdb backtrace\n");
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  hung++;
  return false;
}

int forkWhileSigning(long forks) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> signers;
  for (int t = 0; t < 8; ++t) signers.emplace_back(signLoop, true, &stop);
  waitForSigners(8);
  long good = 0, bad = 0, hung = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < forks; ++i) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) _exit(child());
    if (pid > 0 && childEndsWell(pid, hung))
      good++;
    else
      bad++;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (auto& t : signers) t.join();
  const bool finalized = gP->C_Finalize(nullptr) == CKR_OK;
  std::printf(
      "forks %ld: children ok %ld, failed %ld (hung %ld); parent signs %ld, failed %ld; "
      "%.1f s\n",
      forks, good, bad, hung, gSigns.load(), gSignFailures.load(), seconds);
  return bad == 0 && gSignFailures.load() == 0 && finalized ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  auto get =
      lib ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList")) : nullptr;
  if (!get || get(&gP) != CKR_OK || gP->C_Initialize(nullptr) != CKR_OK) return 3;
  const std::string mode = argv[2];
  if (mode == "exit-main" || mode == "exit-thread") return exitWhileSigning(mode == "exit-thread");
  if (mode == "fork" && argc == 4) return forkWhileSigning(std::atol(argv[3]));
  return 2;
}
