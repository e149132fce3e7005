// fork() (DESIGN.md "Lifetime", issue 5 §2): the child works after its own
// C_Initialize — it signs, and the signature verifies with the public key it reads
// itself — and the parent is unaffected. A child reports through its exit status (no
// gtest in the child). Many forks while threads sign: host_process/host_fork_test.cpp
// (a host process of its own: here the in-process mock's threads use OpenSSL too).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

CK_OBJECT_HANDLE findOne(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls) {
  std::string id = kEdId;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  if (p->C_FindObjectsInit(s, t, 2) != CKR_OK || p->C_FindObjects(s, &o, 1, &n) != CKR_OK ||
      p->C_FindObjectsFinal(s) != CKR_OK || n != 1)
    return CK_INVALID_HANDLE;
  return o;
}

// Signs with kEdId; empty on failure.
Bytes signOnce(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
               const Bytes& data) {
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  Bytes in = data, sig(64);
  CK_ULONG len = static_cast<CK_ULONG>(sig.size());
  if (p->C_SignInit(s, &m, key) != CKR_OK ||
      p->C_Sign(s, in.data(), static_cast<CK_ULONG>(in.size()), sig.data(), &len) != CKR_OK)
    return {};
  sig.resize(len);
  return sig;
}

Bytes publicKeyInfo(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s) {
  CK_OBJECT_HANDLE pub = findOne(p, s, CKO_PUBLIC_KEY);
  Bytes spki(512);
  CK_ATTRIBUTE a{CKA_PUBLIC_KEY_INFO, spki.data(), static_cast<CK_ULONG>(spki.size())};
  if (pub == CK_INVALID_HANDLE || p->C_GetAttributeValue(s, pub, &a, 1) != CKR_OK) return {};
  spki.resize(a.ulValueLen);
  return spki;
}

// The child: the parent's state is gone; after its own C_Initialize it signs and
// verifies. Exit codes name the step that failed.
int childSignsAndVerifies(CK_FUNCTION_LIST_PTR p) {
  CK_SESSION_HANDLE s;
  if (p->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_CRYPTOKI_NOT_INITIALIZED)
    return 10;
  if (p->C_Initialize(nullptr) != CKR_OK) return 11;
  if (p->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) return 12;
  CK_OBJECT_HANDLE key = findOne(p, s, CKO_PRIVATE_KEY);
  if (key == CK_INVALID_HANDLE) return 13;
  const Bytes data = toBytes("child " + std::to_string(getpid()));
  const Bytes sig = signOnce(p, s, key, data);
  if (sig.size() != 64) return 14;
  if (!opensslVerify(publicKeyInfo(p, s), data, sig, false, false)) return 15;
  return p->C_Finalize(nullptr) == CKR_OK ? 0 : 16;
}

// Forks one child; its exit status (or 100 + signal).
int forkChild(CK_FUNCTION_LIST_PTR p) {
  fflush(nullptr);
  pid_t child = fork();
  if (child < 0) return 99;
  if (child == 0) _exit(childSignsAndVerifies(p));
  int status = 0;
  if (waitpid(child, &status, 0) != child) return 98;
  if (WIFSIGNALED(status)) return 100 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 97;
}

TEST_F(Battery, ForkedChildWorksAfterItsOwnInitialize) {
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE key = findKey(s, CKO_PRIVATE_KEY, kEdId);
  ASSERT_EQ(sign(s, key, CKM_EDDSA, toBytes("before fork")).size(), 64u);
  EXPECT_EQ(forkChild(p_), 0);
  // The parent keeps its session, objects and connections.
  EXPECT_EQ(sign(s, key, CKM_EDDSA, toBytes("after fork")).size(), 64u);
  EXPECT_EQ(lastRv_, CKR_OK);
}

}  // namespace
}  // namespace p11nethsm::conformance
