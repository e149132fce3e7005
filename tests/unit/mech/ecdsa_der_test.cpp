// ecdsaDerToRaw reads ECDSA-Sig-Value with ASN1_get_object (cheaper than the template
// decoder). It must accept and refuse exactly what the reference does: d2i_ECDSA_SIG,
// whose whole input is consumed, whose length equals i2d_ECDSA_SIG's (canonical), with
// r and s non-negative and at most fieldBytes wide. Checked on valid encodings and on
// hundreds of thousands of mutations of them.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <optional>
#include <random>

#include "mech/ec_curve.hpp"

namespace p11nethsm::mech {
namespace {

std::optional<Bytes> reference(const Bytes& der, size_t fieldBytes) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return std::nullopt;
  std::optional<Bytes> out;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  const int width = static_cast<int>(fieldBytes);
  Bytes raw(2 * fieldBytes);
  if (p == der.data() + der.size() && i2d_ECDSA_SIG(sig, nullptr) == static_cast<int>(der.size()) &&
      !BN_is_negative(r) && !BN_is_negative(s) && BN_bn2binpad(r, raw.data(), width) == width &&
      BN_bn2binpad(s, raw.data() + fieldBytes, width) == width) {
    out = raw;
  }
  ECDSA_SIG_free(sig);
  return out;
}

Bytes derOf(const Bytes& r, const Bytes& s) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(r.data(), static_cast<int>(r.size()), nullptr),
                 BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr));
  Bytes der(static_cast<size_t>(i2d_ECDSA_SIG(sig, nullptr)));
  unsigned char* out = der.data();
  i2d_ECDSA_SIG(sig, &out);
  ECDSA_SIG_free(sig);
  return der;
}

void expectSameAsReference(const Bytes& der, size_t fieldBytes) {
  const auto want = reference(der, fieldBytes);
  const auto got = ecdsaDerToRaw(der, fieldBytes);
  ASSERT_EQ(want.has_value(), static_cast<bool>(got)) << "input of " << der.size() << " bytes";
  if (want) {
    EXPECT_EQ(*want, *got);
  } else {
    EXPECT_EQ(got.error().pkcs11Rv, static_cast<CK_RV>(CKR_DEVICE_ERROR));
  }
}

TEST(EcdsaDerReading, ValidEncodingsOfEveryWidthDecodeAsTheReference) {
  std::mt19937 rng(7);
  for (size_t fieldBytes : {28u, 32u, 48u, 66u}) {
    for (int i = 0; i < 400; ++i) {
      // Lengths from 0 (zero) to one byte wider than the curve; top bits set or not.
      Bytes r(rng() % (fieldBytes + 2)), s(rng() % (fieldBytes + 2));
      for (auto& b : r) b = static_cast<uint8_t>(rng());
      for (auto& b : s) b = static_cast<uint8_t>(rng());
      expectSameAsReference(derOf(r, s), fieldBytes);
    }
  }
}

TEST(EcdsaDerReading, MutatedEncodingsAreAcceptedOrRefusedAsByTheReference) {
  std::mt19937 rng(11);
  const size_t fieldBytes = 32;
  for (int i = 0; i < 200000; ++i) {
    Bytes r(1 + rng() % 33), s(1 + rng() % 33);
    for (auto& b : r) b = static_cast<uint8_t>(rng());
    for (auto& b : s) b = static_cast<uint8_t>(rng());
    Bytes der = derOf(r, s);
    const unsigned edits = 1 + rng() % 3;
    for (unsigned e = 0; e < edits && !der.empty(); ++e) {
      const size_t at = rng() % der.size();
      switch (rng() % 6) {
        case 0:
          der[at] = static_cast<uint8_t>(rng());
          break;  // any byte
        case 1:
          der[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;  // one bit
        case 2:
          der.erase(der.begin() + static_cast<long>(at));
          break;  // shorter
        case 3:
          der.insert(der.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
          break;
        case 4:
          der.push_back(static_cast<uint8_t>(rng()));
          break;  // trailing
        case 5:   // a length byte in long form (0x81 nn), which DER forbids below 128
          if (der[at] < 0x80) der.insert(der.begin() + static_cast<long>(at), 0x81);
          break;
      }
    }
    expectSameAsReference(der, fieldBytes);
    if (HasFatalFailure()) return;
  }
}

TEST(EcdsaDerReading, EmptyAndHeaderOnlyInputsAreRefused) {
  for (const Bytes& der : {Bytes{}, Bytes{0x30}, Bytes{0x30, 0x00}, Bytes{0x30, 0x02, 0x02, 0x00},
                           Bytes{0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00}}) {
    auto got = ecdsaDerToRaw(der, 32);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().pkcs11Rv, static_cast<CK_RV>(CKR_DEVICE_ERROR));
    EXPECT_FALSE(reference(der, 32));
  }
}

}  // namespace
}  // namespace p11nethsm::mech
