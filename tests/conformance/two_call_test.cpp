// The two-call rule (PKCS#11 v2.40 §5.2) at its edges, as one core call drives it
// (core::produceOutput): which answers need no request to the appliance, the output
// kept for the next call, and what two threads on one session see. A second caller
// while a request is in flight gets CKR_OPERATION_ACTIVE and leaves the operation to
// the first; once the first has finished, CKR_OPERATION_NOT_INITIALIZED (v2.40
// §5.2: "only one operation of each type may be active in a session").
#include <atomic>
#include <latch>
#include <thread>

#include "battery.hpp"
#include "p11nethsm_test/wait_until.hpp"

namespace p11nethsm::conformance {
namespace {

constexpr const char* kSignEndpoint = "POST /keys/{id}/sign";
constexpr const char* kDecryptEndpoint = "POST /keys/{id}/decrypt";

// One retry, so that a request released from a stall (the mock then closes its
// connection) is sent again and succeeds: the stall only holds a call in flight.
testing::EnvironmentOptions withOneRetry() {
  testing::EnvironmentOptions o;
  o.extraSlotYaml = "    retries:\n      count: 1\n      delay_seconds: 0\n";
  return o;
}

mock::FaultRule stallOnce(const std::string& pathRegex) {
  return mock::FaultRule{mock::FaultKind::kStall, pathRegex, 1, 0};
}

CK_FUNCTION_LIST_3_0* functions30() {
  CK_INTERFACE_PTR i = nullptr;
  if (batteryGetInterface()(nullptr, nullptr, &i, 0) != CKR_OK) return nullptr;
  return static_cast<CK_FUNCTION_LIST_3_0*>(i->pFunctionList);
}

class TwoCall : public Battery {
 protected:
  uint64_t requests(const char* endpoint) { return env_->mock().endpointCount(0, endpoint); }

  // RSA PKCS#1 v1.5 ciphertext of `plain` under the battery's RSA key.
  Bytes encrypt(CK_SESSION_HANDLE s, const Bytes& plain) {
    CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
    EXPECT_EQ(p_->C_EncryptInit(s, &m, findKey(s, CKO_PUBLIC_KEY, kRsaId)), CKR_OK);
    Bytes in = plain, cipher(256);
    CK_ULONG len = cipher.size();
    EXPECT_EQ(p_->C_Encrypt(s, in.data(), in.size(), cipher.data(), &len), CKR_OK);
    cipher.resize(len);
    return cipher;
  }

  // C_SignInit with CKM_ECDSA_SHA256 on the P-256 key, counters reset; the key.
  CK_OBJECT_HANDLE ecdsaSignInit(CK_SESSION_HANDLE s) {
    CK_OBJECT_HANDLE ec = findKey(s, CKO_PRIVATE_KEY, kP256Id);
    CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
    EXPECT_EQ(p_->C_SignInit(s, &m, ec), CKR_OK);
    env_->mock().resetCounters();
    return ec;
  }

  void decryptInit(CK_SESSION_HANDLE s) {
    CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
    ASSERT_EQ(p_->C_DecryptInit(s, &m, findKey(s, CKO_PRIVATE_KEY, kRsaId)), CKR_OK);
  }
};

TEST_F(TwoCall, SignatureSizeIsToldWithoutARequest) {
  CK_SESSION_HANDLE s = open();
  Bytes data = toBytes("sized without the appliance");
  CK_OBJECT_HANDLE ec = ecdsaSignInit(s);
  CK_ULONG len = 0;
  ASSERT_EQ(p_->C_Sign(s, data.data(), data.size(), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 64u);
  Bytes sig(64);
  CK_ULONG small = 63;
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), sig.data(), &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, 64u);
  EXPECT_EQ(requests(kSignEndpoint), 0u);
  ASSERT_EQ(p_->C_Sign(s, data.data(), data.size(), sig.data(), &len), CKR_OK);
  EXPECT_EQ(requests(kSignEndpoint), 1u);
  EXPECT_TRUE(opensslVerify(attribute(s, ec, CKA_PUBLIC_KEY_INFO), data, sig, true, true));

  // C_SignFinal: the same rule, the same single request.
  CK_OBJECT_HANDLE rsa = findKey(s, CKO_PRIVATE_KEY, kRsaId);
  CK_MECHANISM r{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(p_->C_SignInit(s, &r, rsa), CKR_OK);
  ASSERT_EQ(p_->C_SignUpdate(s, data.data(), data.size()), CKR_OK);
  env_->mock().resetCounters();
  ASSERT_EQ(p_->C_SignFinal(s, nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 256u);
  Bytes rsaSig(256);
  small = 255;
  EXPECT_EQ(p_->C_SignFinal(s, rsaSig.data(), &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(requests(kSignEndpoint), 0u);
  ASSERT_EQ(p_->C_SignFinal(s, rsaSig.data(), &len), CKR_OK);
  EXPECT_EQ(requests(kSignEndpoint), 1u);
  EXPECT_TRUE(opensslVerify(attribute(s, rsa, CKA_PUBLIC_KEY_INFO), data, rsaSig, true, false));
}

TEST_F(TwoCall, NullLengthPointerEndsTheOperation) {
  CK_SESSION_HANDLE s = open();
  CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
  CK_OBJECT_HANDLE ed = findKey(s, CKO_PRIVATE_KEY, kEdId);
  Bytes data = toBytes("x"), sig(64);
  ASSERT_EQ(p_->C_SignInit(s, &m, ed), CKR_OK);
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), sig.data(), nullptr), CKR_ARGUMENTS_BAD);
  CK_ULONG len = 0;
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), nullptr, &len), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(p_->C_SignInit(s, &m, ed), CKR_OK);
}

// The decrypted text learnt for a too-small buffer answers size queries and the next
// call, without a second decryption, and keeps the operation active until delivered.
TEST_F(TwoCall, PendingOutputAnswersQueriesAndTheNextCall) {
  CK_SESSION_HANDLE s = open();
  Bytes plain = toBytes("kept for the next call");
  Bytes cipher = encrypt(s, plain);
  decryptInit(s);
  env_->mock().resetCounters();
  Bytes out(256);
  CK_ULONG len = 2;
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, plain.size());
  CK_ULONG query = 0;
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), nullptr, &query), CKR_OK);
  EXPECT_EQ(query, plain.size());  // exact now: the pending output's size
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(p_->C_DecryptInit(s, &m, findKey(s, CKO_PRIVATE_KEY, kRsaId)), CKR_OPERATION_ACTIVE);
  len = out.size();
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len), CKR_OK);
  out.resize(len);
  EXPECT_EQ(out, plain);
  EXPECT_EQ(requests(kDecryptEndpoint), 1u);
  EXPECT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), nullptr, &query),
            CKR_OPERATION_NOT_INITIALIZED);
}

// A second C_Sign while the first one's request is at the appliance: the size query
// is answered from the key, the second signing is refused with CKR_OPERATION_ACTIVE
// and leaves the first to finish; the first signature is whole and verifies.
TEST_F(TwoCall, SecondSignerWhileARequestIsInFlightGetsOperationActive) {
  reinitialize(withOneRetry());
  CK_SESSION_HANDLE s = open();
  Bytes data = toBytes("one signer at a time");
  CK_OBJECT_HANDLE ec = ecdsaSignInit(s);
  env_->mock().addFault(0, stallOnce("/keys/.*/sign"));
  Bytes first(64);
  CK_ULONG firstLen = first.size();
  CK_RV firstRv = CKR_GENERAL_ERROR;
  std::thread signer(
      [&] { firstRv = p_->C_Sign(s, data.data(), data.size(), first.data(), &firstLen); });
  bool inFlight = testing::waitUntil([&] { return requests(kSignEndpoint) >= 1; });
  CK_ULONG query = 0;
  Bytes second(64);
  CK_ULONG secondLen = second.size();
  CK_RV queryRv = p_->C_Sign(s, data.data(), data.size(), nullptr, &query);
  CK_RV secondRv = p_->C_Sign(s, data.data(), data.size(), second.data(), &secondLen);
  uint64_t whileInFlight = requests(kSignEndpoint);
  env_->mock().clearFaults(0);  // releases the stalled request; the retry answers
  signer.join();
  ASSERT_TRUE(inFlight);
  EXPECT_EQ(queryRv, CKR_OK);
  EXPECT_EQ(query, 64u);
  EXPECT_EQ(secondRv, CKR_OPERATION_ACTIVE);
  EXPECT_EQ(whileInFlight, 1u);  // neither second call reached the appliance
  ASSERT_EQ(firstRv, CKR_OK);
  ASSERT_EQ(firstLen, 64u);
  EXPECT_TRUE(opensslVerify(attribute(s, ec, CKA_PUBLIC_KEY_INFO), data, first, true, true));
  EXPECT_EQ(p_->C_Sign(s, data.data(), data.size(), nullptr, &query),
            CKR_OPERATION_NOT_INITIALIZED);
}

// C_SessionCancel while a decryption is at the appliance: the call in flight still
// reports its own result, but nothing is kept for a next call, and a new operation
// starts clean (before issue 10 the late output was stored into the cancelled slot:
// C_DecryptInit then answered CKR_OPERATION_ACTIVE).
TEST_F(TwoCall, CancelWhileDecryptingKeepsNoLateOutput) {
  reinitialize(withOneRetry());
  CK_SESSION_HANDLE s = open();
  Bytes plain = toBytes("cancelled in flight");
  Bytes cipher = encrypt(s, plain);
  decryptInit(s);
  env_->mock().resetCounters();
  env_->mock().addFault(0, stallOnce("/keys/.*/decrypt"));
  Bytes out(256);
  CK_ULONG small = 2;
  CK_RV firstRv = CKR_GENERAL_ERROR;
  std::thread decrypter(
      [&] { firstRv = p_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &small); });
  bool inFlight = testing::waitUntil([&] { return requests(kDecryptEndpoint) >= 1; });
  CK_FUNCTION_LIST_3_0* fl = functions30();
  CK_RV cancelRv = fl ? fl->C_SessionCancel(s, CKF_DECRYPT) : CKR_GENERAL_ERROR;
  env_->mock().clearFaults(0);
  decrypter.join();
  ASSERT_TRUE(inFlight);
  EXPECT_EQ(cancelRv, CKR_OK);
  EXPECT_EQ(firstRv, CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, plain.size());
  CK_ULONG query = 0;
  EXPECT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), nullptr, &query),
            CKR_OPERATION_NOT_INITIALIZED);
  decryptInit(s);
  CK_ULONG len = out.size();
  ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len), CKR_OK);
  out.resize(len);
  EXPECT_EQ(out, plain);
}

// Threads racing for one operation, round after round: exactly one gets the output,
// the others CKR_OPERATION_ACTIVE or CKR_OPERATION_NOT_INITIALIZED; the winner's
// output is whole. For decryption the race is over a pending output (delivered once).
TEST_F(TwoCall, RacingThreadsGetTheOutputExactlyOnce) {
  constexpr int kThreads = 6, kRounds = 8;
  CK_SESSION_HANDLE s = open();
  CK_OBJECT_HANDLE ed = findKey(s, CKO_PRIVATE_KEY, kEdId);
  Bytes spki = attribute(s, ed, CKA_PUBLIC_KEY_INFO);
  Bytes data = toBytes("race"), plain = toBytes("raced plaintext");
  Bytes cipher = encrypt(s, plain);
  for (int round = 0; round < kRounds * 2; ++round) {
    bool decrypt = round % 2 == 1;
    CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
    if (decrypt) {
      decryptInit(s);
      Bytes tiny(1);
      CK_ULONG one = 1;
      ASSERT_EQ(p_->C_Decrypt(s, cipher.data(), cipher.size(), tiny.data(), &one),
                CKR_BUFFER_TOO_SMALL);
    } else {
      ASSERT_EQ(p_->C_SignInit(s, &m, ed), CKR_OK);
    }
    std::vector<CK_RV> rvs(kThreads, CKR_GENERAL_ERROR);
    std::vector<Bytes> outs(kThreads, Bytes(256));
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        CK_ULONG len = outs[t].size();
        start.arrive_and_wait();
        rvs[t] = decrypt ? p_->C_Decrypt(s, cipher.data(), cipher.size(), outs[t].data(), &len)
                         : p_->C_Sign(s, data.data(), data.size(), outs[t].data(), &len);
        outs[t].resize(rvs[t] == CKR_OK ? len : 0);
      });
    for (auto& th : threads) th.join();
    int winners = 0;
    for (int t = 0; t < kThreads; ++t) {
      if (rvs[t] == CKR_OK) {
        ++winners;
        if (decrypt)
          EXPECT_EQ(outs[t], plain);
        else
          EXPECT_TRUE(opensslVerify(spki, data, outs[t], false, false));
      } else {
        EXPECT_TRUE(rvs[t] == CKR_OPERATION_ACTIVE || rvs[t] == CKR_OPERATION_NOT_INITIALIZED)
            << "thread " << t << " rv 0x" << std::hex << rvs[t];
      }
    }
    EXPECT_EQ(winners, 1) << "round " << round;
  }
}

}  // namespace
}  // namespace p11nethsm::conformance
