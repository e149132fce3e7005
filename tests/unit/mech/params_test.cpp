// PSS / OAEP / EdDSA parameter checks at C_*Init (PKCS#11 v2.40 §2.1.8, §2.1.14;
// 3.0 §2.3.14) with the exact CK_RV.
#include "mech/params.hpp"

#include <gtest/gtest.h>

#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

CK_RV initRv(OperationKind kind, CK_MECHANISM_TYPE type, void* params, CK_ULONG len,
             const char* key) {
  CK_MECHANISM m{type, params, len};
  auto op =
      createOperationWith(kind, m, testKey(key).view, nullptr, nethsm::capabilitiesOf({4, 0}));
  return op ? CKR_OK : op.error().pkcs11Rv;
}

TEST(PssParams, MustMatchWhatTheNetHsmDoes) {
  CK_RSA_PKCS_PSS_PARAMS ok{CKM_SHA256, CKG_MGF1_SHA256, 32};
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_RSA_PKCS_PSS, &ok, sizeof ok, "rsa2048"), CKR_OK);
  EXPECT_EQ(initRv(OperationKind::kVerify, CKM_SHA256_RSA_PKCS_PSS, &ok, sizeof ok, "rsa2048"),
            CKR_OK);
  CK_RSA_PKCS_PSS_PARAMS mgf{CKM_SHA256, CKG_MGF1_SHA1, 32};
  CK_RSA_PKCS_PSS_PARAMS salt{CKM_SHA256, CKG_MGF1_SHA256, 20};
  CK_RSA_PKCS_PSS_PARAMS md5{CKM_MD5, CKG_MGF1_SHA1, 16};
  CK_RSA_PKCS_PSS_PARAMS other{CKM_SHA384, CKG_MGF1_SHA384, 48};
  for (auto* p : {&mgf, &salt, &md5}) {
    EXPECT_EQ(initRv(OperationKind::kSign, CKM_RSA_PKCS_PSS, p, sizeof *p, "rsa2048"),
              CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(initRv(OperationKind::kVerify, CKM_RSA_PKCS_PSS, p, sizeof *p, "rsa2048"),
              CKR_MECHANISM_PARAM_INVALID);
  }
  // CKM_SHA256_RSA_PKCS_PSS with another hashAlg, no parameter, or a short one.
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_SHA256_RSA_PKCS_PSS, &other, sizeof other, "rsa2048"),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_SHA256_RSA_PKCS_PSS, nullptr, 0, "rsa2048"),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_RSA_PKCS_PSS, &ok, sizeof ok - 1, "rsa2048"),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST(PssParams, InputMustBeTheHashLength) {
  CK_RSA_PKCS_PSS_PARAMS p{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM m{CKM_RSA_PKCS_PSS, &p, sizeof p};
  auto r = runOperation(OperationKind::kSign, m, testKey("rsa2048").view, randomBytes(31));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
  auto v = runVerify(m, testKey("rsa2048").view, randomBytes(33), randomBytes(256));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().pkcs11Rv, CKR_DATA_LEN_RANGE);
}

TEST(OaepParams, RefusedAtInitUnlessMgfMatchesAndLabelIsEmpty) {
  uint8_t label[3] = {1, 2, 3};
  CK_RSA_PKCS_OAEP_PARAMS ok{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_RSA_PKCS_OAEP_PARAMS mgf{CKM_SHA256, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_RSA_PKCS_OAEP_PARAMS withLabel{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, label, 3};
  CK_RSA_PKCS_OAEP_PARAMS md5{CKM_MD5, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  for (auto kind : {OperationKind::kEncrypt, OperationKind::kDecrypt}) {
    EXPECT_EQ(initRv(kind, CKM_RSA_PKCS_OAEP, &ok, sizeof ok, "rsa2048"), CKR_OK);
    for (auto* p : {&mgf, &withLabel, &md5}) {
      EXPECT_EQ(initRv(kind, CKM_RSA_PKCS_OAEP, p, sizeof *p, "rsa2048"),
                CKR_MECHANISM_PARAM_INVALID);
    }
    EXPECT_EQ(initRv(kind, CKM_RSA_PKCS_OAEP, nullptr, 0, "rsa2048"), CKR_MECHANISM_PARAM_INVALID);
  }
}

TEST(EddsaParams, PureEd25519OnlyAndEd448Refused) {
  EddsaParams pure{CK_FALSE, 0, nullptr};
  EddsaParams ph{CK_TRUE, 0, nullptr};
  uint8_t ctx[2] = {1, 2};
  EddsaParams withContext{CK_FALSE, 2, ctx};
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_EDDSA, nullptr, 0, "ed25519"), CKR_OK);
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_EDDSA, &pure, sizeof pure, "ed25519"), CKR_OK);
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_EDDSA, &ph, sizeof ph, "ed25519"),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(initRv(OperationKind::kVerify, CKM_EDDSA, &withContext, sizeof withContext, "ed25519"),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST(NoParams, ParameterOnParameterlessMechanismIsRefused) {
  uint8_t junk[4] = {};
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_SHA256_RSA_PKCS, junk, sizeof junk, "rsa2048"),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_ECDSA, junk, sizeof junk, "prime256v1"),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST(PssParams, KeyTooShortForHashIsKeySizeRange) {
  CK_RSA_PKCS_PSS_PARAMS p{CKM_SHA512, CKG_MGF1_SHA512, 64};
  EXPECT_EQ(initRv(OperationKind::kSign, CKM_SHA512_RSA_PKCS_PSS, &p, sizeof p, "rsa1024"),
            CKR_KEY_SIZE_RANGE);
}

}  // namespace
}  // namespace p11nethsm::mech::test
