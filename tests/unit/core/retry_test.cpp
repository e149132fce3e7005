// Retries, failover and key-generation safety (DESIGN.md "Retries", "Throttling"):
// a sign is repeated on the other instance after a 5xx, 412 or a connect failure; a
// key generation whose answer may have been lost is checked and never made twice;
// a 429 is waited out. Device errors end as the documented CK_RV. Two instances
// sharing one store, retries.count 1, delay 0.
#include "fake_module.hpp"

namespace p11nethsm::testing {
namespace {

class Retry : public FakeModule {
 protected:
  void SetUp() override {
    FakeModuleOptions o;
    o.instances = 2;
    start(o);
  }
  void withKey() {
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
    ASSERT_EQ(generateP256({'k', '1'}, "", pub, key_), CKR_OK);
    fake().clearJournal();
  }
  // One C_Sign; the signature is verified with OpenSSL when it succeeds.
  CK_RV sign() {
    CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
    CK_RV rv = p_->C_SignInit(s_, &m, key_);
    if (rv != CKR_OK) return rv;
    Bytes data{'r', 't'}, sig(64);
    CK_ULONG len = sig.size();
    rv = p_->C_Sign(s_, data.data(), data.size(), sig.data(), &len);
    if (rv == CKR_OK) {
      EXPECT_TRUE(verify("k1", CKM_ECDSA_SHA256, data, sig));
    }
    return rv;
  }
  std::vector<JournalEntry> signRequests() {
    std::vector<JournalEntry> out;
    for (const auto& e : fake().journal())
      if (e.path == "/keys/k1/sign") out.push_back(e);
    return out;
  }
  CK_RV generate() {
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
    return generateP256({'g', '1'}, "", pub, priv);
  }
  FakeRule onSign(FakeFailure failure, long status = 503, int count = 1) {
    FakeRule r;
    r.failure = failure;
    r.pathRegex = "/keys/k1/sign";
    r.status = status;
    r.count = count;
    return r;
  }
  FakeRule onGenerate(FakeFailure failure, long status = 500) {
    FakeRule r;
    r.failure = failure;
    r.pathRegex = "/keys/generate";
    r.method = "POST";
    r.status = status;
    return r;
  }
  CK_ULONG deviceError() {
    CK_SESSION_INFO info{};
    EXPECT_EQ(p_->C_GetSessionInfo(s_, &info), CKR_OK);
    return info.ulDeviceError;
  }
  CK_OBJECT_HANDLE key_ = CK_INVALID_HANDLE;
};

// The first attempt fails as given; the second goes to the other instance and signs.
void expectFailover(const std::vector<JournalEntry>& signs, long firstStatus) {
  ASSERT_EQ(signs.size(), 2u);
  EXPECT_EQ(signs[0].status, firstStatus);
  EXPECT_EQ(signs[1].status, 200);
  EXPECT_NE(signs[0].instance, signs[1].instance);
}

TEST_F(Retry, SignAfter503OnOneInstanceSucceedsOnTheOther) {
  withKey();
  fake().addRule(onSign(FakeFailure::kStatus, 503));
  EXPECT_EQ(sign(), CKR_OK);
  expectFailover(signRequests(), 503);
}

TEST_F(Retry, SignAfter412MovesOn) {
  withKey();
  fake().addRule(onSign(FakeFailure::kStatus, 412));
  EXPECT_EQ(sign(), CKR_OK);
  expectFailover(signRequests(), 412);
}

TEST_F(Retry, SignAfterRefusedConnectGoesToTheOtherInstance) {
  withKey();
  fake().addRule(onSign(FakeFailure::kNeverSent));
  EXPECT_EQ(sign(), CKR_OK);
  expectFailover(signRequests(), 0);
}

TEST_F(Retry, SignAfterLostAnswerIsRepeatedBecauseSigningIsSafe) {
  withKey();
  fake().addRule(onSign(FakeFailure::kLostAnswer));
  EXPECT_EQ(sign(), CKR_OK);
  expectFailover(signRequests(), 200);
  EXPECT_FALSE(signRequests()[0].delivered);
}

TEST_F(Retry, ThrottledSignIsWaitedOut) {
  withKey();
  FakeRule r = onSign(FakeFailure::kStatus, 429);
  r.retryAfter = "0";
  fake().addRule(r);
  EXPECT_EQ(sign(), CKR_OK);
  auto signs = signRequests();
  ASSERT_EQ(signs.size(), 2u);
  EXPECT_EQ(signs[0].status, 429);
  EXPECT_EQ(signs[1].status, 200);
}

TEST_F(Retry, GenerationWhoseAnswerWasLostIsCheckedNotRepeated) {
  fake().addRule(onGenerate(FakeFailure::kLostAnswer));
  EXPECT_EQ(generate(), CKR_OK);
  EXPECT_EQ(requests("POST", "/keys/generate"), 1u);
  EXPECT_EQ(fake().keys().size(), 1u);
  EXPECT_GE(requests("GET", "/keys/g1"), 1u) << "the module looked whether it took effect";
  EXPECT_NE(findKey(CKO_PRIVATE_KEY, {'g', '1'}), CK_INVALID_HANDLE);
}

TEST_F(Retry, GenerationTimedOutAfterProcessingIsNotRepeated) {
  fake().addRule(onGenerate(FakeFailure::kTimeoutProcessed));
  EXPECT_EQ(generate(), CKR_OK);
  EXPECT_EQ(requests("POST", "/keys/generate"), 1u);
  EXPECT_EQ(fake().keys().size(), 1u);
}

// A 500 that did not create the key: the module finds no key and sends it once more.
TEST_F(Retry, GenerationAfter500IsSentAgainOnlyWhenNoKeyWasMade) {
  fake().addRule(onGenerate(FakeFailure::kStatus, 500));
  EXPECT_EQ(generate(), CKR_OK);
  EXPECT_EQ(requests("POST", "/keys/generate"), 2u);
  EXPECT_EQ(fake().keys().size(), 1u);
}

TEST_F(Retry, GenerationAfterRefusedConnectGoesToTheOtherInstance) {
  fake().addRule(onGenerate(FakeFailure::kNeverSent));
  EXPECT_EQ(generate(), CKR_OK);
  EXPECT_EQ(requests("POST", "/keys/generate"), 2u);
  EXPECT_EQ(fake().keys().size(), 1u);
}

TEST_F(Retry, GenerationRefusedClearlyIsNotRetried) {
  fake().addRule(onGenerate(FakeFailure::kStatus, 400));
  EXPECT_EQ(generate(), CKR_DEVICE_ERROR);
  EXPECT_EQ(requests("POST", "/keys/generate"), 1u);
  EXPECT_EQ(fake().keys().size(), 0u);
  EXPECT_EQ(deviceError(), 400u);
}

// Every instance failing: the documented CK_RV (core/error_map.cpp) and ulDeviceError.
struct DeviceCase {
  const char* name;
  FakeFailure failure;
  long status;
  CK_RV expected;
};

void PrintTo(const DeviceCase& c, std::ostream* os) { *os << c.name; }

class DeviceErrors : public Retry, public ::testing::WithParamInterface<DeviceCase> {};

TEST_P(DeviceErrors, SignFailingEverywhereEndsAsDocumented) {
  withKey();
  const DeviceCase& c = GetParam();
  fake().addRule(onSign(c.failure, c.status, -1));
  EXPECT_EQ(sign(), c.expected);
  EXPECT_EQ(signRequests().size(), c.status == 404 || c.status == 401 ? 1u : 2u);
}

INSTANTIATE_TEST_SUITE_P(
    All, DeviceErrors,
    ::testing::Values(DeviceCase{"Status500", FakeFailure::kStatus, 500, CKR_DEVICE_ERROR},
                      DeviceCase{"Status503", FakeFailure::kStatus, 503, CKR_DEVICE_ERROR},
                      DeviceCase{"Status412", FakeFailure::kStatus, 412, CKR_TOKEN_NOT_PRESENT},
                      DeviceCase{"Status404", FakeFailure::kStatus, 404, CKR_KEY_HANDLE_INVALID},
                      DeviceCase{"Status401", FakeFailure::kStatus, 401, CKR_USER_NOT_LOGGED_IN},
                      DeviceCase{"NeverSent", FakeFailure::kNeverSent, 0, CKR_DEVICE_REMOVED},
                      DeviceCase{"Timeout", FakeFailure::kTimeout, 0, CKR_DEVICE_REMOVED},
                      DeviceCase{"BadAnswer", FakeFailure::kBadAnswer, 0, CKR_DEVICE_ERROR}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace p11nethsm::testing
