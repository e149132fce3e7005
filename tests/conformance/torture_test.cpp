// Issue 12 item 5: 64 threads mix C_Sign, C_FindObjects, C_Login/C_Logout and
// C_CloseAllSessions while the main thread calls C_Finalize in the middle of it, then
// C_Initialize again, for several rounds. Never a crash, never a deadlock (a watchdog
// aborts the process with a message), and every return code is one the spec allows in
// its race window: a call that began after C_Finalize returned gets exactly
// CKR_CRYPTOKI_NOT_INITIALIZED; one that began and ended while initialized never does.
// Knobs: P11NETHSM_TORTURE_ROUNDS (default 3), P11NETHSM_TORTURE_CALLS (calls per
// round before C_Finalize, default 2000), P11NETHSM_TORTURE_WATCHDOG (s, default 300).
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include "battery.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::conformance {
namespace {

constexpr unsigned kThreads = 64;
enum Phase : int { kRunning = 0, kFinalizing = 1, kFinalized = 2 };

// Codes any session call may see in the race: the session closed by another thread's
// C_CloseAllSessions, or the module finalized under it.
const std::set<CK_RV> kSessionRace = {CKR_OK, CKR_SESSION_HANDLE_INVALID,
                                      CKR_CRYPTOKI_NOT_INITIALIZED};

class Torture {
 public:
  explicit Torture(CK_FUNCTION_LIST_PTR p) : p_(p) {}

  // Records one call: `before`/`after` are the phases around it.
  void check(const char* fn, CK_RV rv, int before, const std::set<CK_RV>& allowed) {
    const int after = phase.load();
    calls++;
    if (before == kFinalized) postFinalize++;
    if (rv == CKR_OK && std::string_view(fn) == "C_Sign") signs++;
    bool ok = allowed.count(rv) > 0;
    if (before == kFinalized && rv != CKR_CRYPTOKI_NOT_INITIALIZED) ok = false;
    if (before == kRunning && after == kRunning && rv == CKR_CRYPTOKI_NOT_INITIALIZED) ok = false;
    if (ok) return;
    char text[128];
    std::snprintf(text, sizeof text, "%s -> 0x%lx (phase %d -> %d)", fn, rv, before, after);
    std::lock_guard lock(mutex_);
    if (violations_.size() < 20) violations_.push_back(text);
    violationCount_++;
  }

  void iteration(unsigned t, unsigned n);

  std::vector<std::string> violations() {
    std::lock_guard lock(mutex_);
    return violations_;
  }
  size_t violationCount() {
    std::lock_guard lock(mutex_);
    return violationCount_;
  }

  std::atomic<int> phase{kRunning};
  std::atomic<uint64_t> calls{0}, postFinalize{0}, signs{0};

 private:
  // Runs `call`, noting the phase it began in.
  template <class F>
  CK_RV run(const char* fn, const std::set<CK_RV>& allowed, F call) {
    const int before = phase.load();
    const CK_RV rv = call();
    check(fn, rv, before, allowed);
    return rv;
  }
  void signFlow(CK_SESSION_HANDLE s, unsigned n);
  void findAll(CK_SESSION_HANDLE s);

  CK_FUNCTION_LIST_PTR p_;
  std::mutex mutex_;
  std::vector<std::string> violations_;
  size_t violationCount_ = 0;
};

void Torture::signFlow(CK_SESSION_HANDLE s, unsigned n) {
  static const char* kIds[] = {kEdId, kP256Id, kEdId, kRsaId};
  const std::string id = kIds[n % 4];
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                      {CKA_ID, const_cast<char*>(id.data()), id.size()}};
  if (run("C_FindObjectsInit", kSessionRace, [&] { return p_->C_FindObjectsInit(s, t, 2); }))
    return;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG count = 0;
  CK_RV rv =
      run("C_FindObjects", kSessionRace, [&] { return p_->C_FindObjects(s, &key, 1, &count); });
  run("C_FindObjectsFinal", kSessionRace, [&] { return p_->C_FindObjectsFinal(s); });
  if (rv != CKR_OK || count != 1) return;
  CK_MECHANISM m{id == kRsaId    ? CKM_SHA256_RSA_PKCS
                 : id == kP256Id ? CKM_ECDSA_SHA256
                                 : CKM_EDDSA,
                 nullptr, 0};
  if (run("C_SignInit", kSessionRace, [&] { return p_->C_SignInit(s, &m, key); })) return;
  CK_BYTE data[] = "torture", sig[512];
  CK_ULONG len = sizeof sig;
  run("C_Sign", kSessionRace, [&] { return p_->C_Sign(s, data, sizeof data, sig, &len); });
}

void Torture::findAll(CK_SESSION_HANDLE s) {  // a full listing: parallel fetch threads
  if (run("C_FindObjectsInit", kSessionRace, [&] { return p_->C_FindObjectsInit(s, nullptr, 0); }))
    return;
  CK_OBJECT_HANDLE found[32];
  CK_ULONG count = 0;
  run("C_FindObjects", kSessionRace, [&] { return p_->C_FindObjects(s, found, 32, &count); });
  run("C_FindObjectsFinal", kSessionRace, [&] { return p_->C_FindObjectsFinal(s); });
}

void Torture::iteration(unsigned t, unsigned n) {
  static const std::set<CK_RV> kOpen = {CKR_OK, CKR_CRYPTOKI_NOT_INITIALIZED};
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  const CK_RV opened = run("C_OpenSession", kOpen, [&] {
    return p_->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
  });
  if (opened != CKR_OK) {  // finalized: pacing, do not spin, C_Finalize needs the CPU
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return;
  }
  std::string pin = testing::kOperatorPassword;
  auto* pinBytes = reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data());
  switch ((t + n) % 10) {
    case 6:
      findAll(s);
      break;
    case 7:
      run("C_Login",
          {CKR_OK, CKR_USER_ALREADY_LOGGED_IN, CKR_SESSION_HANDLE_INVALID,
           CKR_CRYPTOKI_NOT_INITIALIZED},
          [&] { return p_->C_Login(s, CKU_USER, pinBytes, pin.size()); });
      break;
    case 8:
      run("C_Logout",
          {CKR_OK, CKR_USER_NOT_LOGGED_IN, CKR_SESSION_HANDLE_INVALID,
           CKR_CRYPTOKI_NOT_INITIALIZED},
          [&] { return p_->C_Logout(s); });
      break;
    case 9:
      if (n % 64 == 0) {  // about once per 10 iterations of all 64 threads
        run("C_CloseAllSessions", kOpen, [&] { return p_->C_CloseAllSessions(0); });
        return;
      }
      [[fallthrough]];
    default:
      signFlow(s, n);
  }
  run("C_CloseSession", kSessionRace, [&] { return p_->C_CloseSession(s); });
}

// Aborts the process if a round does not end in time: a deadlock fails loudly.
class Watchdog {
 public:
  explicit Watchdog(long seconds)
      : thread_([this, seconds] {
          std::unique_lock lock(mutex_);
          if (!cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return done_; })) {
            std::fprintf(stderr, "torture: round not finished after %ld s: deadlock\n", seconds);
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

TEST_F(Battery, TortureSixtyFourThreadsWithRacingFinalize) {
  const long rounds = envNumber("P11NETHSM_TORTURE_ROUNDS", 3);
  const uint64_t callsBefore = static_cast<uint64_t>(envNumber("P11NETHSM_TORTURE_CALLS", 2000));
  const long watchdog = envNumber("P11NETHSM_TORTURE_WATCHDOG", 300);
  for (long round = 0; round < rounds; ++round) {
    if (round > 0) {
      ASSERT_EQ(p_->C_Initialize(nullptr), CKR_OK) << "round " << round;
    }
    Watchdog dog(watchdog);
    Torture torture(p_);
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < kThreads; ++t) {
      workers.emplace_back([&, t] {
        for (unsigned n = 0; !stop.load(); ++n) torture.iteration(t, n);
      });
    }
    const auto limit = std::chrono::seconds(watchdog);
    EXPECT_TRUE(testing::waitUntil([&] { return torture.calls.load() >= callsBefore; }, limit));
    torture.phase = kFinalizing;
    EXPECT_EQ(p_->C_Finalize(nullptr), CKR_OK) << "round " << round;
    torture.phase = kFinalized;
    // Every thread gets to call the finalized module a few times.
    EXPECT_TRUE(
        testing::waitUntil([&] { return torture.postFinalize.load() >= 4 * kThreads; }, limit));
    stop = true;
    for (auto& w : workers) w.join();
    std::printf(
        "[ measured ] torture round %ld: %llu calls (%llu signatures, %llu calls after "
        "C_Finalize), %zu codes outside their race window\n",
        round, static_cast<unsigned long long>(torture.calls.load()),
        static_cast<unsigned long long>(torture.signs.load()),
        static_cast<unsigned long long>(torture.postFinalize.load()), torture.violationCount());
    EXPECT_GE(torture.signs.load(), kThreads);  // the mix really signed
    EXPECT_EQ(torture.violationCount(), 0u);
    for (const auto& v : torture.violations()) ADD_FAILURE() << v;
  }
}

}  // namespace
}  // namespace p11nethsm::conformance
