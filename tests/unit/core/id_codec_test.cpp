// CKA_ID ↔ NetHSM ID, as the Rust module does it (competitor.md §1.3).
#include "core/id_codec.hpp"

#include <gtest/gtest.h>

namespace p11nethsm::core {
namespace {

Bytes raw(std::initializer_list<uint8_t> b) { return Bytes(b); }

TEST(IdCodec, ValidNetHsmIdsAreUsedVerbatim) {
  EXPECT_EQ(netHsmIdFromCkaId(toBytes("myKey-1.a_b")), "myKey-1.a_b");
  EXPECT_EQ(ckaIdFromNetHsmId("myKey-1.a_b"), toBytes("myKey-1.a_b"));
}

TEST(IdCodec, BinaryIdsBecomeUppercaseHexWithPrefix) {
  EXPECT_EQ(netHsmIdFromCkaId(raw({0x01, 0xab, 0xff})), "0---01ABFF");
  EXPECT_EQ(ckaIdFromNetHsmId("0---01ABFF"), raw({0x01, 0xab, 0xff}));
}

TEST(IdCodec, IdsThatStartWithAPunctuationCharacterAreHexEncoded) {
  EXPECT_EQ(netHsmIdFromCkaId(toBytes("-abc")), "0---2D616263");
  EXPECT_EQ(netHsmIdFromCkaId(toBytes("a b")), "0---612062");
}

TEST(IdCodec, LowercaseOrOddHexAfterPrefixIsAPlainId) {
  EXPECT_EQ(ckaIdFromNetHsmId("0---01abff"), toBytes("0---01abff"));
  EXPECT_EQ(ckaIdFromNetHsmId("0---ABC"), toBytes("0---ABC"));
  EXPECT_EQ(ckaIdFromNetHsmId("0---"), toBytes("0---"));
}

TEST(IdCodec, LengthLimits) {
  EXPECT_FALSE(netHsmIdFromCkaId(Bytes()).has_value());
  Bytes binary62(62, 0x80);
  auto id = netHsmIdFromCkaId(binary62);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 128u);
  EXPECT_EQ(ckaIdFromNetHsmId(*id), binary62);
  EXPECT_FALSE(netHsmIdFromCkaId(Bytes(63, 0x80)).has_value());
  EXPECT_EQ(netHsmIdFromCkaId(toBytes(std::string(128, 'a'))), std::string(128, 'a'));
  // 129 valid characters are no NetHSM ID and too long for hex either.
  EXPECT_FALSE(netHsmIdFromCkaId(toBytes(std::string(129, 'a'))).has_value());
}

TEST(IdCodec, RandomBinaryIdsRoundTrip) {
  // Knot DNS uses random 20-byte binary IDs (competitor #294).
  for (int seed = 0; seed < 50; ++seed) {
    Bytes id;
    for (int i = 0; i < 20; ++i) id.push_back(static_cast<uint8_t>((seed * 31 + i * 17) & 0xff));
    auto nethsm = netHsmIdFromCkaId(id);
    ASSERT_TRUE(nethsm.has_value());
    EXPECT_TRUE(isValidNetHsmId(*nethsm));
    EXPECT_EQ(ckaIdFromNetHsmId(*nethsm), id);
  }
}

}  // namespace
}  // namespace p11nethsm::core
