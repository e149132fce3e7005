// Known-answer tests of issue 14 through the mechanism layer, with the vector's key
// imported into the key backend (LocalAppliance here; mock-nethsm's REST import in
// test_mech_mock): the 18 test cases of the GCM specification that NIST SP 800-38D
// refers to (12-, 8- and 60-byte IVs, AAD, AES-128/192/256), and NIST SP 800-38A
// F.5.1/3/5 (CTR) and F.1.1/3/5 (ECB). Every vector is first checked against OpenSSL,
// so a mistyped vector fails loudly instead of testing nothing.
#include <gtest/gtest.h>

#include "aes_reference.hpp"

namespace p11nethsm::mech::test {
namespace {

struct GcmVector {
  const char *key, *plain, *aad, *iv, *cipher, *tag;
};

constexpr const char* kK128 = "feffe9928665731c6d6a8f9467308308";
constexpr const char* kK192 = "feffe9928665731c6d6a8f9467308308feffe9928665731c";
constexpr const char* kK256 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* kP64 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b5"
    "25"
    "b16aedf5aa0de657ba637b391aafd255";
constexpr const char* kP60 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b5"
    "25"
    "b16aedf5aa0de657ba637b39";
constexpr const char* kAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
constexpr const char* kIv12 = "cafebabefacedbaddecaf888";
constexpr const char* kIv8 = "cafebabefacedbad";
constexpr const char* kIv60 =
    "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b52"
    "54"
    "16aedbf5a0de6a57a637b39b";
constexpr const char* kZero128 = "00000000000000000000000000000000";
constexpr const char* kZero192 = "000000000000000000000000000000000000000000000000";
constexpr const char* kZero256 = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr const char* kZeroIv = "000000000000000000000000";

const GcmVector kGcm[] = {
    {kZero128, "", "", kZeroIv, "", "58e2fccefa7e3061367f1d57a4e7455a"},
    {kZero128, kZero128, "", kZeroIv, "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {kK128, kP64, "", kIv12,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84a"
     "a051ba30b396a0a"
     "ac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {kK128, kP60, kAad, kIv12,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84a"
     "a051ba30b396a0a"
     "ac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {kK128, kP60, kAad, kIv8,
     "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896"
     "b424989b5e1ebac"
     "0f07c23f4598",
     "3612d2e79e3b0785561be14aaca2fccb"},
    {kK128, kP60, kAad, kIv60,
     "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7"
     "c6fd62875d2aca4"
     "17034c34aee5",
     "619cc5aefffe0bfa462af43c1699d050"},
    {kZero192, "", "", kZeroIv, "", "cd33b28ac773f74ba00ed1f312572435"},
    {kZero192, kZero128, "", kZeroIv, "98e7247c07f0fe411c267e4384b0f600",
     "2ff58d80033927ab8ef4d4587514f0fb"},
    {kK192, kP64, "", kIv12,
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3"
     "f4718e2448b2fe3"
     "24d9ccda2710acade256",
     "9924a7c8587336bfb118024db8674a14"},
    {kK192, kP60, kAad, kIv12,
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3"
     "f4718e2448b2fe3"
     "24d9ccda2710",
     "2519498e80f1478f37ba55bd6d27618c"},
    {kK192, kP60, kAad, kIv8,
     "0f10f599ae14a154ed24b36e25324db8c566632ef2bbb34f8347280fc4507057fddc29df9a471f75c66541d4d4dad"
     "1c9e93a19a58e8b"
     "473fa0f062f7",
     "65dcc57fcf623a24094fcca40d3533f8"},
    {kK192, kP60, kAad, kIv60,
     "d27e88681ce3243c4830165a8fdcf9ff1de9a1d8e6b447ef6ef7b79828666e4581e79012af34ddd9e2f037589b292"
     "db3e67c036745fa"
     "22e7e9b7373b",
     "dcf566ff291c25bbb8568fc3d376a6d9"},
    {kZero256, "", "", kZeroIv, "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {kZero256, kZero128, "", kZeroIv, "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {kK256, kP64, "", kIv12,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828"
     "838c5f61e6393ba"
     "7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {kK256, kP60, kAad, kIv12,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828"
     "838c5f61e6393ba"
     "7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {kK256, kP60, kAad, kIv8,
     "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0feb582d33934a4f0954cc2363bc73"
     "f7862ac430e64ab"
     "e499f47c9b1f",
     "3a337dbf46a792c45e454913fe2ea8f2"},
    {kK256, kP60, kAad, kIv60,
     "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf40fc0c3b780f244452da3ebf1c5d82"
     "cdea2418997200e"
     "f82e44ae7e3f",
     "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"},
};

class GcmKnownAnswer : public testing::TestWithParam<size_t> {};

TEST_P(GcmKnownAnswer, EncryptsAndDecryptsToTheVector) {
  const GcmVector& v = kGcm[GetParam()];
  Bytes key = hex(v.key), plain = hex(v.plain), aad = hex(v.aad), iv = hex(v.iv);
  Bytes sealed = hex(v.cipher);
  Bytes tag = hex(v.tag);
  GcmSealed ref = opensslGcmSeal(key, iv, aad, plain, 16);
  ASSERT_EQ(ref.cipher, sealed) << "vector disagrees with OpenSSL";
  ASSERT_EQ(ref.tag, tag) << "vector disagrees with OpenSSL";
  sealed.insert(sealed.end(), tag.begin(), tag.end());

  KeyView k = knownAesKey(key);
  GcmMechanism m(iv, aad, 16);
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  for (std::mt19937* parts : {static_cast<std::mt19937*>(nullptr), &rng}) {
    auto enc = runAes(OperationKind::kEncrypt, m.mechanism, k, plain, parts);
    ASSERT_TRUE(enc) << enc.error().message;
    EXPECT_EQ(hexEncode(*enc), hexEncode(sealed));
    auto dec = runAes(OperationKind::kDecrypt, m.mechanism, k, sealed, parts);
    ASSERT_TRUE(dec) << dec.error().message;
    EXPECT_EQ(hexEncode(*dec), hexEncode(plain));
  }
}

INSTANTIATE_TEST_SUITE_P(GcmSpec, GcmKnownAnswer, testing::Range<size_t>(0, std::size(kGcm)),
                         [](const testing::TestParamInfo<size_t>& i) {
                           return "TestCase" + std::to_string(i.param + 1);
                         });

// SP 800-38A Appendix F: the same four plaintext blocks under three keys.
constexpr const char* kSp38aPlain =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52"
    "ef"
    "f69f2445df4f9b17ad2b417be66c3710";
constexpr const char* kSp38aCounter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

struct BlockVector {
  const char* name;
  const char* key;
  const char* cipher;
};

const BlockVector kCtr[] = {
    {"F51_CTR_AES128", "2b7e151628aed2a6abf7158809cf4f3c",
     "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03"
     "eab"
     "1e031dda2fbe03d1792170a0f3009cee"},
    {"F53_CTR_AES192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620a"
     "bf7"
     "4f78a7f6d29809585a97daec58c6b050"},
    {"F55_CTR_AES256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d849"
     "88d"
     "dfc9c58db67aada613c2dd08457941a6"},
};

const BlockVector kEcb[] = {
    {"F11_ECB_AES128", "2b7e151628aed2a6abf7158809cf4f3c",
     "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed030"
     "688"
     "7b0c785e27e8ad3f8223207104725dd4"},
    {"F13_ECB_AES192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     "bd334f1d6e45f25ff712a214571fa5cc974104846d0ad3ad7734ecb3ecee4eefef7afd2270e2e60adce0ba2face64"
     "44e"
     "9a4b41ba738d6c72fb16691603c18e0e"},
    {"F15_ECB_AES256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870b6ed21b99ca6f4f9f153e7b1beafe"
     "d1d"
     "23304b7a39f9f3ff067d8d8f9e24ecc7"},
};

class CtrKnownAnswer : public testing::TestWithParam<BlockVector> {};

TEST_P(CtrKnownAnswer, BothDirectionsGiveTheVector) {
  Bytes key = hex(GetParam().key), plain = hex(kSp38aPlain), cipher = hex(GetParam().cipher);
  ASSERT_EQ(opensslCtr(key, hex(kSp38aCounter), plain), cipher) << "vector disagrees with OpenSSL";
  KeyView k = knownAesKey(key);
  // The counter ...feff → ...ff00 carries into the second-lowest byte: 16 counter bits
  // are needed at least, and more change nothing.
  for (CK_ULONG bits : {16UL, 32UL, 64UL, 128UL}) {
    CtrMechanism m(hex(kSp38aCounter), bits);
    std::mt19937 rng(static_cast<unsigned>(bits));
    EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, m.mechanism, k, plain)), hexEncode(cipher))
        << bits;
    EXPECT_EQ(hexOrError(runAes(OperationKind::kDecrypt, m.mechanism, k, cipher, &rng)),
              hexEncode(plain))
        << bits;
  }
}

INSTANTIATE_TEST_SUITE_P(Sp800_38A, CtrKnownAnswer, testing::ValuesIn(kCtr),
                         [](const testing::TestParamInfo<BlockVector>& i) {
                           return std::string(i.param.name);
                         });

class EcbKnownAnswer : public testing::TestWithParam<BlockVector> {};

TEST_P(EcbKnownAnswer, BothDirectionsGiveTheVector) {
  Bytes key = hex(GetParam().key), plain = hex(kSp38aPlain), cipher = hex(GetParam().cipher);
  ASSERT_EQ(opensslEcb(key, plain, true), cipher) << "vector disagrees with OpenSSL";
  KeyView k = knownAesKey(key);
  CK_MECHANISM ecb{CKM_AES_ECB, nullptr, 0};
  std::mt19937 rng(7);
  EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, ecb, k, plain)), hexEncode(cipher));
  EXPECT_EQ(hexOrError(runAes(OperationKind::kEncrypt, ecb, k, plain, &rng)), hexEncode(cipher));
  EXPECT_EQ(hexOrError(runAes(OperationKind::kDecrypt, ecb, k, cipher)), hexEncode(plain));
  EXPECT_EQ(hexOrError(runAes(OperationKind::kDecrypt, ecb, k, cipher, &rng)), hexEncode(plain));
}

INSTANTIATE_TEST_SUITE_P(Sp800_38A, EcbKnownAnswer, testing::ValuesIn(kEcb),
                         [](const testing::TestParamInfo<BlockVector>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace p11nethsm::mech::test
