// What verify_signatures costs (issue 12 §2; docs/transport.md "Answers"): C_Sign
// rates against the loopback mock with and without verification, and the CPU time of
// one verification. Prints numbers; asserts only that every signature verifies.
// P11NETHSM_VERIFY_COST_SIGNS sets the signs per case (default 200).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "hostile_fixture.hpp"
#include "mech/ec_curve.hpp"
#include "mech/public_key.hpp"
#include "mech/signature_scheme.hpp"

namespace p11nethsm::hostile {
namespace {

using Clock = std::chrono::steady_clock;

int signsPerCase() {
  const char* v = std::getenv("P11NETHSM_VERIFY_COST_SIGNS");
  return v != nullptr ? std::max(1, std::atoi(v)) : 200;
}

struct Case {
  const char* keyId;
  CK_MECHANISM_TYPE mechanism;
  Bytes data;
};

TEST_F(HostileTest, VerifySignaturesCostIsMeasured) {
  const Case cases[] = {{kP256Key, CKM_ECDSA, Bytes(32, 7)},
                        {kEdKey, CKM_EDDSA, toBytes("measured message")},
                        {kRsaKey, CKM_SHA256_RSA_PKCS, toBytes("measured message")}};
  const int n = signsPerCase();
  for (const Case& c : cases) {
    double rate[2] = {0, 0};
    for (int verify = 0; verify < 2; ++verify) {
      initModule(verify ? "    verify_signatures: true\n" : "", "", /*direct=*/true);
      CK_OBJECT_HANDLE key = keyObject(c.keyId);
      ASSERT_NE(key, CK_INVALID_HANDLE);
      Bytes sig;
      ASSERT_EQ(sign(key, c.mechanism, c.data, sig), CKR_OK);  // warm connection
      ASSERT_TRUE(verifiesWithMockKey(c.keyId, c.mechanism, c.data, sig));
      const auto start = Clock::now();
      for (int i = 0; i < n; ++i) ASSERT_EQ(sign(key, c.mechanism, c.data, sig), CKR_OK);
      rate[verify] = n / std::chrono::duration<double>(Clock::now() - start).count();
      finalizeModule();
    }
    std::printf("[ measured ] %s: %.0f signs/s without verify_signatures, %.0f with (%+.1f %%)\n",
                c.keyId, rate[0], rate[1], 100.0 * (rate[1] - rate[0]) / rate[0]);
  }
}

// The CPU time of the verification alone (mech::localVerify, what applianceSign runs).
TEST_F(HostileTest, OneVerificationCostsMicroseconds) {
  initModule("", "", /*direct=*/true);
  const int n = 10 * signsPerCase();
  for (const auto& [id, mechanism, kind] :
       {std::tuple{kP256Key, CKM_ECDSA, mech::SignatureScheme::Kind::kEcdsa},
        std::tuple{kEdKey, CKM_EDDSA, mech::SignatureScheme::Kind::kEddsa},
        std::tuple{kRsaKey, CKM_RSA_PKCS, mech::SignatureScheme::Kind::kPkcs1}}) {
    CK_OBJECT_HANDLE key = keyObject(id);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    const Bytes input(32, 5);
    Bytes sig;
    ASSERT_EQ(sign(key, mechanism, input, sig), CKR_OK);
    auto pub =
        mech::publicKeyFromDer(attribute(keyObject(id, CKO_PUBLIC_KEY), CKA_PUBLIC_KEY_INFO));
    ASSERT_TRUE(pub);
    mech::SignatureScheme scheme;
    scheme.kind = kind;
    scheme.curve = mech::curveForKeyType(kind == mech::SignatureScheme::Kind::kEddsa
                                             ? nethsm::KeyType::kCurve25519
                                             : nethsm::KeyType::kEcP256);
    scheme.modulusBytes = mech::rsaModulusBytes(pub->get());
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(mech::localVerify(scheme, pub->get(), input, sig));
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
    std::printf("[ measured ] %s: one local verification %.1f us\n", id, us);
  }
}

}  // namespace
}  // namespace p11nethsm::hostile
