// Checks of what the appliance answers (issue 12 §1): signature lengths against the
// key, canonical ECDSA DER with r, s in [1, n − 1], RSA numbers and EC points of a
// sane key, and the optional verification of each signature.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "bn_param.hpp"
#include "local_appliance.hpp"
#include "mech/ec_curve.hpp"
#include "mech/public_key.hpp"
#include "mech/signature_scheme.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

// An appliance that answers every sign request with `answer`.
class FixedAnswer final : public Appliance {
 public:
  explicit FixedAnswer(Bytes answer) : answer_(std::move(answer)) {}
  Result<Bytes> sign(const std::string&, nethsm::SignMode, const Bytes&) override {
    return answer_;
  }
  Result<Bytes> decrypt(const std::string&, nethsm::DecryptMode, const Bytes&,
                        const std::optional<Bytes>&) override {
    return answer_;
  }
  Result<Bytes> encryptAesCbc(const std::string&, const Bytes&, const Bytes&) override {
    return answer_;
  }

 private:
  Bytes answer_;
};

Bytes orderOf(const CurveInfo& curve) {
  std::unique_ptr<EC_GROUP, OsslFree<EC_GROUP_free>> g(EC_GROUP_new_by_curve_name(curve.nid));
  Bytes n(curve.fieldBytes);
  BN_bn2binpad(EC_GROUP_get0_order(g.get()), n.data(), static_cast<int>(n.size()));
  return n;
}

Bytes rs(const Bytes& r, const Bytes& s) {
  Bytes out = r;
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes minusOne(Bytes v) {
  for (size_t i = v.size(); i-- > 0;) {
    if (v[i]-- != 0) break;
  }
  return v;
}

TEST(EcdsaRange, EveryCurveAcceptsOneToOrderMinusOneOnly) {
  for (const auto& curve : allCurves()) {
    if (curve.edwards) continue;
    const Bytes n = orderOf(curve);
    Bytes one(curve.fieldBytes, 0);
    one.back() = 1;
    const Bytes zero(curve.fieldBytes, 0);
    EXPECT_TRUE(checkEcdsaRange(curve, rs(minusOne(n), one))) << curve.groupName;
    EXPECT_TRUE(checkEcdsaRange(curve, rs(one, minusOne(n)))) << curve.groupName;
    for (const Bytes& bad :
         {rs(n, one), rs(one, n), rs(zero, one), rs(one, zero), rs(zero, zero)}) {
      auto s = checkEcdsaRange(curve, bad);
      ASSERT_FALSE(s) << curve.groupName;
      EXPECT_EQ(s.error().pkcs11Rv, CKR_DEVICE_ERROR);
    }
  }
}

TEST(EcdsaDer, TrailingOrNonCanonicalBytesAreRefused) {
  Bytes good = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07};
  EXPECT_TRUE(ecdsaDerToRaw(good, 32));
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(ecdsaDerToRaw(trailing, 32));
  Bytes padded = {0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07};  // leading 00
  EXPECT_FALSE(ecdsaDerToRaw(padded, 32));
  Bytes negative = {0x30, 0x06, 0x02, 0x01, 0xff, 0x02, 0x01, 0x07};
  EXPECT_FALSE(ecdsaDerToRaw(negative, 32));
}

TEST(RsaNumbers, OnlyNumbersOfASaneKeyPass) {
  const TestKey& k = testKey("rsa2048");
  const Bytes n = bnParam(k.key.get(), OSSL_PKEY_PARAM_RSA_N);
  const Bytes e = {1, 0, 1};
  EXPECT_TRUE(checkRsaNumbers(n, e));
  Bytes even = n;
  even.back() &= 0xfe;
  for (const auto& [modulus, exponent] :
       std::vector<std::pair<Bytes, Bytes>>{{Bytes{1}, e},
                                            {n, Bytes{}},
                                            {n, Bytes{1, 0, 0}},
                                            {n, Bytes{1}},
                                            {n, n},
                                            {even, e},
                                            {Bytes(64, 0xc3), e},       // 512 bits
                                            {Bytes(2049, 0xc3), e}}) {  // 16392 bits
    auto s = checkRsaNumbers(modulus, exponent);
    ASSERT_FALSE(s) << modulus.size() << "/" << exponent.size();
    EXPECT_EQ(s.error().pkcs11Rv, CKR_DEVICE_ERROR);
  }
}

TEST(EcPoint, CompressedPointsDecodeAndBadOnesAreRefused) {
  for (const auto& curve : allCurves()) {
    if (curve.edwards || !curveAvailable(curve, nethsm::capabilitiesOf({4, 0}))) continue;
    const TestKey& k = testKey(curve.groupName);
    Bytes point(1 + 2 * curve.fieldBytes);
    size_t len = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(k.key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                              point.data(), point.size(), &len),
              1);
    ASSERT_EQ(len, point.size());
    Bytes compressed(point.begin(), point.begin() + 1 + static_cast<long>(curve.fieldBytes));
    compressed[0] = static_cast<uint8_t>(0x02 | (point.back() & 1));
    auto decoded = uncompressedPoint(curve, compressed);
    ASSERT_TRUE(decoded) << curve.groupName;
    EXPECT_EQ(*decoded, point) << curve.groupName;
    EXPECT_FALSE(uncompressedPoint(curve, Bytes{0x00})) << "the point at infinity";
    EXPECT_FALSE(uncompressedPoint(curve, Bytes(compressed.begin(), compressed.end() - 1)));
    Bytes offCurve = point;
    offCurve[len - 1] ^= 1;
    nethsm::PublicKeyData data;
    data.data = offCurve;
    EXPECT_FALSE(publicKeyAttributes(curve.type, data)) << curve.groupName;
  }
}

class ApplianceAnswer : public ::testing::Test {
 protected:
  SignatureScheme ecdsa() const {
    SignatureScheme s;
    s.kind = SignatureScheme::Kind::kEcdsa;
    s.curve = curveForKeyType(nethsm::KeyType::kEcP256);
    return s;
  }
  Result<Bytes> signWith(const SignatureScheme& scheme, Bytes answer, EVP_PKEY* verify = nullptr) {
    FixedAnswer appliance(std::move(answer));
    return applianceSign(scheme, appliance, "k", nethsm::capabilitiesOf({4, 0}), Bytes(32, 9),
                         verify);
  }
};

TEST_F(ApplianceAnswer, RsaSignatureMustBeTheModulusLong) {
  SignatureScheme pkcs1;
  pkcs1.kind = SignatureScheme::Kind::kPkcs1;
  pkcs1.modulusBytes = 256;
  EXPECT_TRUE(signWith(pkcs1, Bytes(256, 1)));
  for (size_t len : {0u, 255u, 257u, 12500u}) {
    auto r = signWith(pkcs1, Bytes(len, 1));
    ASSERT_FALSE(r) << len;
    EXPECT_EQ(r.error().pkcs11Rv, CKR_DEVICE_ERROR);
  }
}

TEST_F(ApplianceAnswer, EcdsaZeroSignatureIsRefused) {
  auto r = signWith(ecdsa(), Bytes{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_DEVICE_ERROR);
}

TEST_F(ApplianceAnswer, VerificationRefusesAnotherKeysSignatureAndPassesTheRightOne) {
  const TestKey& mine = testKey("prime256v1");
  LocalAppliance local;
  PkeyPtr other = generateEc("prime256v1");
  local.addKey("mine", mine.key.get());
  local.addKey("other", other.get());
  const Bytes digest(32, 9);
  auto right = local.sign("mine", nethsm::SignMode::kEcdsa, digest);
  auto wrong = local.sign("other", nethsm::SignMode::kEcdsa, digest);
  ASSERT_TRUE(right && wrong);
  EXPECT_TRUE(signWith(ecdsa(), *right, mine.key.get()));
  EXPECT_TRUE(signWith(ecdsa(), *wrong)) << "without verification a well-formed one passes";
  auto refused = signWith(ecdsa(), *wrong, mine.key.get());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().pkcs11Rv, CKR_DEVICE_ERROR);
}

}  // namespace
}  // namespace p11nethsm::mech::test
