// C_GetMechanismList/Info data per firmware and createOperation's refusals.
#include <gtest/gtest.h>

#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

const MechanismEntry* find(const std::vector<MechanismEntry>& list, CK_MECHANISM_TYPE t) {
  for (const auto& e : list) {
    if (e.type == t) return &e;
  }
  return nullptr;
}

TEST(Registry, FlagsAreTruthful) {
  auto list = mechanismsFor(nethsm::capabilitiesOf({4, 0}));
  const auto* rsa = find(list, CKM_RSA_PKCS);
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(rsa->info.flags, CKF_HW | CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT);
  EXPECT_EQ(rsa->info.ulMinKeySize, 1024U);
  EXPECT_EQ(rsa->info.ulMaxKeySize, 8192U);
  const auto* oaep = find(list, CKM_RSA_PKCS_OAEP);
  ASSERT_NE(oaep, nullptr);
  EXPECT_EQ(oaep->info.flags, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT);  // not SIGN
  const auto* pss = find(list, CKM_SHA256_RSA_PKCS_PSS);
  ASSERT_NE(pss, nullptr);
  EXPECT_EQ(pss->info.flags, CKF_HW | CKF_SIGN | CKF_VERIFY);
  const auto* sha = find(list, CKM_SHA256);
  ASSERT_NE(sha, nullptr);
  EXPECT_EQ(sha->info.flags, CKF_DIGEST);  // local: no CKF_HW
  const auto* aes = find(list, CKM_AES_CBC_PAD);
  ASSERT_NE(aes, nullptr);
  EXPECT_EQ(aes->info.flags, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT);
  EXPECT_EQ(aes->info.ulMinKeySize, 16U);  // AES sizes are bytes (PKCS#11 v2.40 §2.10)
  EXPECT_EQ(aes->info.ulMaxKeySize, 32U);
  const auto* gen = find(list, CKM_EC_KEY_PAIR_GEN);
  ASSERT_NE(gen, nullptr);
  EXPECT_TRUE(gen->info.flags & CKF_GENERATE_KEY_PAIR);
  EXPECT_TRUE(gen->info.flags & CKF_EC_NAMEDCURVE);
  ASSERT_NE(find(list, CKM_EDDSA), nullptr);
  EXPECT_TRUE(find(list, CKM_EDDSA)->info.flags & CKF_VERIFY);
}

TEST(Registry, EveryListedMechanismHasWhatItsFlagsPromise) {
  for (const auto& e : mechanismsFor(nethsm::capabilitiesOf({4, 0}))) {
    CK_FLAGS f = e.info.flags;
    bool keyGen = f & (CKF_GENERATE | CKF_GENERATE_KEY_PAIR);
    bool ops = f & (CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST);
    EXPECT_NE(keyGen, ops) << std::hex << e.type;  // one role per mechanism
    EXPECT_FALSE(f & (CKF_WRAP | CKF_UNWRAP | CKF_DERIVE)) << std::hex << e.type;
  }
}

TEST(Registry, WrappingMechanismsAreAbsent) {
  auto list = mechanismsFor(nethsm::capabilitiesOf({4, 0}));
  for (CK_MECHANISM_TYPE t : {CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_PAD, CK_MECHANISM_TYPE{0x210B},
                              CKM_ECDH1_DERIVE, CKM_AES_CCM, CKM_AES_GMAC, CKM_AES_CMAC}) {
    EXPECT_EQ(find(list, t), nullptr) << std::hex << t;
  }
}

TEST(Registry, AesModesOnTheApplianceAreListed) {
  // Issue 14: GCM, CTR and ECB on the appliance's AES-CBC, every firmware.
  for (nethsm::FirmwareVersion fw :
       {nethsm::FirmwareVersion{2, 2}, nethsm::FirmwareVersion{4, 0}}) {
    auto list = mechanismsFor(nethsm::capabilitiesOf(fw));
    for (CK_MECHANISM_TYPE t : {CKM_AES_ECB, CKM_AES_CTR, CKM_AES_GCM}) {
      const auto* e = find(list, t);
      ASSERT_NE(e, nullptr) << std::hex << t;
      EXPECT_EQ(e->info.flags, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT) << std::hex << t;
      EXPECT_EQ(e->info.ulMinKeySize, 16U);
      EXPECT_EQ(e->info.ulMaxKeySize, 32U);
    }
  }
}

TEST(Registry, EcKeySizesFollowFirmware) {
  auto list2 = mechanismsFor(nethsm::capabilitiesOf({2, 2}));
  auto list4 = mechanismsFor(nethsm::capabilitiesOf({4, 0}));
  auto v2 = find(list2, CKM_ECDSA);
  auto v4 = find(list4, CKM_ECDSA);
  ASSERT_NE(v2, nullptr);
  ASSERT_NE(v4, nullptr);
  EXPECT_EQ(v2->info.ulMinKeySize, 224U);  // P-224 until 2.x
  EXPECT_EQ(v2->info.ulMaxKeySize, 521U);
  EXPECT_EQ(v4->info.ulMinKeySize, 256U);
  EXPECT_EQ(v4->info.ulMaxKeySize, 521U);
}

TEST(Registry, CreateOperationRefusals) {
  const TestKey& rsa = testKey("rsa2048");
  const TestKey& ec = testKey("prime256v1");
  CK_MECHANISM sha{CKM_SHA256_RSA_PKCS, nullptr, 0};
  auto wrongKind = createOperationWith(OperationKind::kEncrypt, sha, rsa.view, nullptr,
                                       nethsm::capabilitiesOf({4, 0}));
  ASSERT_FALSE(wrongKind);
  EXPECT_EQ(wrongKind.error().pkcs11Rv, CKR_MECHANISM_INVALID);
  CK_MECHANISM unknown{CKM_AES_CCM, nullptr, 0};
  auto bad = createOperationWith(OperationKind::kEncrypt, unknown, rsa.view, nullptr,
                                 nethsm::capabilitiesOf({4, 0}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().pkcs11Rv, CKR_MECHANISM_INVALID);
  auto mismatch = createOperationWith(OperationKind::kSign, sha, ec.view, nullptr,
                                      nethsm::capabilitiesOf({4, 0}));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().pkcs11Rv, CKR_KEY_TYPE_INCONSISTENT);
  KeyView signOnly = rsa.view;
  signOnly.mechanisms = {nethsm::KeyMechanism::kRsaSignaturePkcs1};
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  auto noDecrypt = createOperationWith(OperationKind::kDecrypt, pkcs, signOnly, nullptr,
                                       nethsm::capabilitiesOf({4, 0}));
  ASSERT_FALSE(noDecrypt);
  EXPECT_EQ(noDecrypt.error().pkcs11Rv, CKR_KEY_FUNCTION_NOT_PERMITTED);
  // Public-key operations do not depend on the appliance's mechanism list.
  EXPECT_TRUE(createOperationWith(OperationKind::kEncrypt, pkcs, signOnly, nullptr,
                                  nethsm::capabilitiesOf({4, 0})));
  EXPECT_TRUE(createOperationWith(OperationKind::kSign, pkcs, signOnly, nullptr,
                                  nethsm::capabilitiesOf({4, 0})));
}

TEST(Registry, SignatureSizeQueriesNeedNoNetwork) {
  testKeys();
  uint64_t before = keyBackend().calls();
  struct {
    const char* key;
    CK_MECHANISM_TYPE m;
    size_t len;
  } cases[] = {{"rsa2048", CKM_SHA256_RSA_PKCS, 256}, {"rsa4096", CKM_RSA_PKCS, 512},
               {"prime256v1", CKM_ECDSA, 64},         {"secp521r1", CKM_ECDSA_SHA512, 132},
               {"brainpoolP512r1", CKM_ECDSA, 128},   {"ed25519", CKM_EDDSA, 64}};
  for (const auto& c : cases) {
    CK_MECHANISM m{c.m, nullptr, 0};
    auto op = createOperationWith(OperationKind::kSign, m, testKey(c.key).view, nullptr,
                                  nethsm::capabilitiesOf({4, 0}));
    ASSERT_TRUE(op) << c.key;
    EXPECT_EQ((*op)->outputSizeBound(100), c.len) << c.key;
  }
  EXPECT_EQ(keyBackend().calls(), before);
}

TEST(Registry, VerifyAndPublicKeyEncryptionAreLocal) {
  testKeys();
  const TestKey& rsa = testKey("rsa2048");
  CK_MECHANISM sign{CKM_SHA256_RSA_PKCS, nullptr, 0};
  auto sig = runOperation(OperationKind::kSign, sign, rsa.view, Bytes(100, 3));
  ASSERT_TRUE(sig);
  uint64_t before = keyBackend().calls();
  EXPECT_TRUE(runVerify(sign, rsa.view, Bytes(100, 3), *sig));
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_TRUE(runOperation(OperationKind::kEncrypt, pkcs, rsa.view, Bytes(10, 1)));
  CK_MECHANISM sha{CKM_SHA512, nullptr, 0};
  EXPECT_TRUE(runOperation(OperationKind::kDigest, sha, KeyView{}, Bytes(10, 1)));
  EXPECT_EQ(keyBackend().calls(), before);
}

}  // namespace
}  // namespace p11nethsm::mech::test

namespace p11nethsm::mech::test {
namespace {

TEST(Registry, KeySizeFromPublicKeyWhenBitsUnknown) {
  KeyView v = testKey("rsa4096").view;
  v.bits = 0;
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  auto op =
      createOperationWith(OperationKind::kSign, m, v, nullptr, nethsm::capabilitiesOf({4, 0}));
  ASSERT_TRUE(op);
  EXPECT_EQ((*op)->outputSizeBound(0), 512U);
  KeyView aes = testKey("aes128").view;
  aes.bits = 0;  // a Generic key's length is not reported by GET /keys/{id}
  Bytes iv(16);
  CK_MECHANISM cbc{CKM_AES_CBC_PAD, iv.data(), 16};
  auto r = runOperation(OperationKind::kEncrypt, cbc, aes, Bytes(20, 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), 32U);
}

}  // namespace
}  // namespace p11nethsm::mech::test
