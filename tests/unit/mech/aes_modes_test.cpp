// AES-GCM, AES-CTR and AES-ECB against OpenSSL's EVP output for the same key (issue 14
// acceptance): random messages of 0–64 KiB with random AAD, both directions,
// single-part and multi-part with random split points; tampering, parameter and
// key checks with exact CK_RVs; request counts per call. Runs against the
// LocalAppliance (test_mech) and mock-nethsm (test_mech_mock).
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "aes_reference.hpp"

namespace p11nethsm::mech::test {
namespace {

Bytes random(size_t n) {
  Bytes b(n);
  if (n > 0) RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

struct GcmCase {
  size_t keyBytes, length, aadLength, ivLength, tagBytes;
};

std::vector<GcmCase> gcmCases() {
  std::vector<GcmCase> out;
  for (size_t key : {16U, 24U, 32U}) {
    for (size_t len : {0U, 1U, 15U, 16U, 17U, 64U, 100U, 1000U})
      out.push_back({key, len, len % 37, 12, 16});
    out.push_back({key, 33, 0, 1, 16});
    out.push_back({key, 48, 20, 8, 12});
    out.push_back({key, 50, 70, 60, 13});
    out.push_back({key, 31, 5, 16, 14});
    out.push_back({key, 64, 16, 12, 15});
  }
  out.push_back({32, 65536, 1000, 12, 16});  // the 64 KiB of the acceptance
  return out;
}

class GcmAgainstOpenSsl : public testing::TestWithParam<GcmCase> {};

TEST_P(GcmAgainstOpenSsl, SealsAndOpensLikeOpenSsl) {
  const GcmCase& c = GetParam();
  Bytes key = random(c.keyBytes), iv = random(c.ivLength), aad = random(c.aadLength);
  Bytes plain = random(c.length);
  KeyView k = knownAesKey(key);
  GcmMechanism m(iv, aad, c.tagBytes);
  GcmSealed ref = opensslGcmSeal(key, iv, aad, plain, c.tagBytes);
  Bytes sealed = ref.cipher;
  sealed.insert(sealed.end(), ref.tag.begin(), ref.tag.end());
  std::mt19937 rng(static_cast<unsigned>(c.length * 131 + c.ivLength));
  // 64 KiB is 4098 requests per call: single-part encryption and multi-part
  // decryption only; smaller messages both ways in both directions.
  bool large = c.length >= 65536;
  for (std::mt19937* parts : {static_cast<std::mt19937*>(nullptr), &rng}) {
    if (!large || parts == nullptr) {
      auto enc = runAes(OperationKind::kEncrypt, m.mechanism, k, plain, parts);
      ASSERT_TRUE(enc) << enc.error().message;
      EXPECT_EQ(*enc, sealed);  // module → OpenSSL
    }
    if (!large || parts != nullptr) {
      auto dec = runAes(OperationKind::kDecrypt, m.mechanism, k, sealed, parts);
      ASSERT_TRUE(dec) << dec.error().message;
      EXPECT_EQ(*dec, plain);  // OpenSSL → module
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Random, GcmAgainstOpenSsl, testing::ValuesIn(gcmCases()),
                         [](const testing::TestParamInfo<GcmCase>& i) {
                           const GcmCase& c = i.param;
                           return "aes" + std::to_string(c.keyBytes * 8) + "_len" +
                                  std::to_string(c.length) + "_aad" + std::to_string(c.aadLength) +
                                  "_iv" + std::to_string(c.ivLength) + "_tag" +
                                  std::to_string(c.tagBytes);
                         });

TEST(AesGcm, EveryFlippedBitIsRefusedWithoutPlaintext) {
  Bytes key = random(32), iv = random(12), aad = random(20), plain = random(40);
  KeyView k = knownAesKey(key);
  GcmMechanism m(iv, aad, 16);
  auto sealed = runAes(OperationKind::kEncrypt, m.mechanism, k, plain);
  ASSERT_TRUE(sealed);
  for (size_t byte : {size_t{0}, size_t{39}, size_t{40}, size_t{55}}) {  // ciphertext and tag bytes
    Bytes bad = *sealed;
    bad[byte] ^= 0x01;
    auto single = runAes(OperationKind::kDecrypt, m.mechanism, k, bad);
    ASSERT_FALSE(single) << byte;
    EXPECT_EQ(single.error().pkcs11Rv, CKR_ENCRYPTED_DATA_INVALID) << byte;
    std::mt19937 rng(static_cast<unsigned>(byte));
    auto parts = runAes(OperationKind::kDecrypt, m.mechanism, k, bad, &rng);
    ASSERT_FALSE(parts) << byte;
    EXPECT_EQ(parts.error().pkcs11Rv, CKR_ENCRYPTED_DATA_INVALID) << byte;
  }
  GcmMechanism otherAad(iv, random(20), 16);
  auto wrongAad = runAes(OperationKind::kDecrypt, otherAad.mechanism, k, *sealed);
  ASSERT_FALSE(wrongAad);
  EXPECT_EQ(wrongAad.error().pkcs11Rv, CKR_ENCRYPTED_DATA_INVALID);
  auto shortInput = runAes(OperationKind::kDecrypt, m.mechanism, k, Bytes(15, 0));
  ASSERT_FALSE(shortInput);
  EXPECT_EQ(shortInput.error().pkcs11Rv, CKR_ENCRYPTED_DATA_LEN_RANGE);
}

TEST(AesGcm, MultiPartDecryptionReleasesPlaintextOnlyAtFinal) {
  Bytes key = random(16), iv = random(12), plain = random(100);
  KeyView k = knownAesKey(key);
  GcmMechanism m(iv, {}, 16);
  auto sealed = runAes(OperationKind::kEncrypt, m.mechanism, k, plain);
  ASSERT_TRUE(sealed);
  auto op = createOperationWith(OperationKind::kDecrypt, m.mechanism, k, keyBackend().appliance(),
                                nethsm::capabilitiesOf({4, 0}));
  ASSERT_TRUE(op);
  uint64_t before = keyBackend().calls();
  EXPECT_EQ((*op)->updateOutputBound(50), 0U);
  auto first = (*op)->update(std::span<const uint8_t>(sealed->data(), 50));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());
  auto second = (*op)->update(std::span<const uint8_t>(sealed->data() + 50, sealed->size() - 50));
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(keyBackend().calls(), before);  // nothing sent before the tag can be checked
  EXPECT_EQ((*op)->outputSizeBound(0), 100U);
  auto last = (*op)->finish();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, plain);
}

TEST(AesGcm, ParametersAreCheckedAtInit) {
  KeyView k = knownAesKey(random(16));
  auto init = [&](const CK_MECHANISM& m) {
    return createOperationWith(OperationKind::kEncrypt, m, k, keyBackend().appliance(),
                               nethsm::capabilitiesOf({4, 0}));
  };
  for (size_t tag : {0U, 4U, 8U, 11U, 17U}) {
    GcmMechanism m(random(12), {}, tag);
    auto op = init(m.mechanism);
    ASSERT_FALSE(op) << tag;
    EXPECT_EQ(op.error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID) << tag;
  }
  GcmMechanism noIv(Bytes{}, {}, 16);
  noIv.params.pIv = nullptr;
  EXPECT_EQ(init(noIv.mechanism).error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID);
  GcmMechanism aadWithoutData(random(12), {}, 16);
  aadWithoutData.params.ulAADLen = 5;
  EXPECT_EQ(init(aadWithoutData.mechanism).error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID);
  GcmMechanism odd(random(12), {}, 16);
  odd.mechanism.ulParameterLen = sizeof(CK_GCM_PARAMS) - 1;
  EXPECT_EQ(init(odd.mechanism).error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM none{CKM_AES_GCM, nullptr, 0};
  EXPECT_EQ(init(none).error().pkcs11Rv, CKR_MECHANISM_PARAM_INVALID);
}

TEST(AesGcm, OriginalV240LayoutWithoutIvBitsIsAccepted) {
  // CK_GCM_PARAMS before the v2.40 errata added ulIvBits (still passed by some callers).
  struct Legacy {
    CK_BYTE_PTR pIv;
    CK_ULONG ulIvLen;
    CK_BYTE_PTR pAAD;
    CK_ULONG ulAADLen;
    CK_ULONG ulTagBits;
  };
  Bytes key = random(24), iv = random(12), aad = random(9), plain = random(33);
  Legacy legacy{iv.data(), iv.size(), aad.data(), aad.size(), 128};
  CK_MECHANISM m{CKM_AES_GCM, &legacy, sizeof legacy};
  auto enc = runAes(OperationKind::kEncrypt, m, knownAesKey(key), plain);
  ASSERT_TRUE(enc) << enc.error().message;
  GcmSealed ref = opensslGcmSeal(key, iv, aad, plain, 16);
  ref.cipher.insert(ref.cipher.end(), ref.tag.begin(), ref.tag.end());
  EXPECT_EQ(*enc, ref.cipher);
}

TEST(AesModes, KeysNeedTheNetHsmMechanismTheModeUses) {
  KeyView encryptOnly = knownAesKey(random(16));
  encryptOnly.mechanisms = {nethsm::KeyMechanism::kAesEncryptionCbc};
  KeyView decryptOnly = encryptOnly;
  decryptOnly.mechanisms = {nethsm::KeyMechanism::kAesDecryptionCbc};
  GcmMechanism gcm(random(12), {}, 16);
  CtrMechanism ctr(random(16), 32);
  CK_MECHANISM ecb{CKM_AES_ECB, nullptr, 0};
  auto rv = [](const KeyView& k, OperationKind kind, const CK_MECHANISM& m) -> CK_RV {
    auto op =
        createOperationWith(kind, m, k, keyBackend().appliance(), nethsm::capabilitiesOf({4, 0}));
    return op ? CKR_OK : op.error().pkcs11Rv;
  };
  // GCM and CTR decryption use the forward cipher only.
  EXPECT_EQ(rv(encryptOnly, OperationKind::kDecrypt, gcm.mechanism), CKR_OK);
  EXPECT_EQ(rv(encryptOnly, OperationKind::kDecrypt, ctr.mechanism), CKR_OK);
  EXPECT_EQ(rv(encryptOnly, OperationKind::kDecrypt, ecb), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(rv(decryptOnly, OperationKind::kDecrypt, ecb), CKR_OK);
  EXPECT_EQ(rv(decryptOnly, OperationKind::kEncrypt, ecb), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(rv(decryptOnly, OperationKind::kDecrypt, gcm.mechanism),
            CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(rv(decryptOnly, OperationKind::kEncrypt, ctr.mechanism),
            CKR_KEY_FUNCTION_NOT_PERMITTED);
  KeyView odd = encryptOnly;
  odd.bits = 512;
  EXPECT_EQ(rv(odd, OperationKind::kEncrypt, gcm.mechanism), CKR_KEY_SIZE_RANGE);
  CK_MECHANISM ecbWithParam{CKM_AES_ECB, gcm.iv.data(), 12};
  EXPECT_EQ(rv(decryptOnly, OperationKind::kDecrypt, ecbWithParam), CKR_MECHANISM_PARAM_INVALID);
  for (CK_ULONG bits : {0UL, 129UL}) {
    CtrMechanism bad(random(16), bits);
    EXPECT_EQ(rv(encryptOnly, OperationKind::kEncrypt, bad.mechanism), CKR_MECHANISM_PARAM_INVALID)
        << bits;
  }
}

TEST(AesCtr, RandomMessagesEqualOpenSsl) {
  for (size_t keyBytes : {16U, 24U, 32U}) {
    Bytes key = random(keyBytes);
    KeyView k = knownAesKey(key);
    for (size_t len : {0U, 1U, 16U, 33U, 500U, 2000U}) {
      Bytes cb = random(16);
      cb[8] = 0;  // 64 counter bits that cannot wrap within these lengths
      CtrMechanism m(cb, 64);
      Bytes plain = random(len);
      Bytes ref = opensslCtr(key, cb, plain);
      std::mt19937 rng(static_cast<unsigned>(len));
      EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, m.mechanism, k, plain)), hexEncode(ref));
      EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, m.mechanism, k, plain, &rng)),
                hexEncode(ref));
      EXPECT_EQ(hexOrError(runAes(OperationKind::kDecrypt, m.mechanism, k, ref, &rng)),
                hexEncode(plain));
    }
  }
}

TEST(AesCtr, CounterWrapAroundIsRefusedBeforeAnyRequest) {
  Bytes key = random(16);
  KeyView k = knownAesKey(key);
  Bytes cb = random(16);
  cb[14] = 0xff;
  cb[15] = 0xfe;  // two counter values left in 16 bits
  CtrMechanism m(cb, 16);
  Bytes twoBlocks = random(32);
  EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, m.mechanism, k, twoBlocks)),
            hexEncode(opensslCtr(key, cb, twoBlocks)));
  for (auto [kind, rv] : {std::pair{OperationKind::kEncrypt, CKR_DATA_LEN_RANGE},
                          std::pair{OperationKind::kDecrypt, CKR_ENCRYPTED_DATA_LEN_RANGE}}) {
    uint64_t before = keyBackend().calls();
    auto wrapped = runAes(kind, m.mechanism, k, random(33));
    ASSERT_FALSE(wrapped);
    EXPECT_EQ(wrapped.error().pkcs11Rv, rv);
    EXPECT_EQ(keyBackend().calls(), before);
    // Multi-part: the last keystream bytes may be used, one byte beyond them not.
    auto op = createOperationWith(kind, m.mechanism, k, keyBackend().appliance(),
                                  nethsm::capabilitiesOf({4, 0}));
    ASSERT_TRUE(op);
    ASSERT_TRUE((*op)->update(random(20)));
    ASSERT_TRUE((*op)->update(random(12)));
    auto beyond = (*op)->update(random(1));
    ASSERT_FALSE(beyond);
    EXPECT_EQ(beyond.error().pkcs11Rv, rv);
  }
}

TEST(AesEcb, RandomMessagesEqualOpenSslAndPartialBlocksAreRefused) {
  Bytes key = random(32);
  KeyView k = knownAesKey(key);
  CK_MECHANISM ecb{CKM_AES_ECB, nullptr, 0};
  for (size_t blocks : {0U, 1U, 7U, 64U}) {
    Bytes plain = random(blocks * 16);
    Bytes ref = opensslEcb(key, plain, true);
    std::mt19937 rng(static_cast<unsigned>(blocks));
    EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, ecb, k, plain, &rng)), hexEncode(ref));
    EXPECT_EQ(hexOrError(runAes(OperationKind::kDecrypt, ecb, k, ref, &rng)), hexEncode(plain));
  }
  auto enc = runAes(OperationKind::kEncrypt, ecb, k, random(17));
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
  std::mt19937 rng(1);
  auto dec = runAes(OperationKind::kDecrypt, ecb, k, random(31), &rng);
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().pkcs11Rv, CKR_ENCRYPTED_DATA_LEN_RANGE);
}

// Requests per call as docs/aes_modes.md states them.
TEST(AesModes, RequestCountsPerCall) {
  KeyView k = knownAesKey(random(32));
  auto cost = [&](OperationKind kind, const CK_MECHANISM& m, const Bytes& in) {
    uint64_t before = keyBackend().calls();
    EXPECT_TRUE(runAes(kind, m, k, in));
    return keyBackend().calls() - before;
  };
  GcmMechanism gcm12(random(12), random(16), 16);
  EXPECT_EQ(cost(OperationKind::kEncrypt, gcm12.mechanism, random(64)), 6U);  // H, E(J0), 4 blocks
  EXPECT_EQ(cost(OperationKind::kEncrypt, gcm12.mechanism, Bytes{}), 2U);
  GcmMechanism gcm8(random(8), {}, 16);
  EXPECT_EQ(cost(OperationKind::kEncrypt, gcm8.mechanism, random(64)),
            6U);  // same count, two rounds: H, then E(J0) and 4 blocks
  CtrMechanism ctr(Bytes(16, 0), 128);
  EXPECT_EQ(cost(OperationKind::kEncrypt, ctr.mechanism, random(33)), 3U);
  CK_MECHANISM ecb{CKM_AES_ECB, nullptr, 0};
  EXPECT_EQ(cost(OperationKind::kEncrypt, ecb, random(64)), 4U);
  EXPECT_EQ(cost(OperationKind::kDecrypt, ecb, random(64)), 1U);  // one CBC decryption
  // Size queries need no request.
  auto op = createOperationWith(OperationKind::kEncrypt, gcm12.mechanism, k,
                                keyBackend().appliance(), nethsm::capabilitiesOf({4, 0}));
  ASSERT_TRUE(op);
  uint64_t before = keyBackend().calls();
  EXPECT_EQ((*op)->outputSizeBound(64), 80U);
  EXPECT_EQ((*op)->updateOutputBound(64), 64U);
  EXPECT_EQ(keyBackend().calls(), before);
}

}  // namespace
}  // namespace p11nethsm::mech::test
