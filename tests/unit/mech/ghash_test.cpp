// GHASH (mech/ghash.hpp) against the intermediate values of the GCM specification's
// test cases 2–4 (H, the ciphertext and GHASH(H, A, C) given there; each one checked
// here as E_K(J0) xor T with OpenSSL when the test was written), and the counter
// arithmetic of mech/counter_keystream.hpp.
#include "mech/ghash.hpp"

#include <gtest/gtest.h>

#include "aes_reference.hpp"
#include "mech/counter_keystream.hpp"

namespace p11nethsm::mech::test {
namespace {

AesBlock block(const char* text) {
  Bytes b = hex(text);
  AesBlock out{};
  if (b.size() == out.size())
    std::copy(b.begin(), b.end(), out.begin());
  else
    ADD_FAILURE() << "not a block: " << text;
  return out;
}

std::string hexOf(const AesBlock& b) { return hexEncode(b.data(), b.size()); }

constexpr const char* kH234 = "b83b533708bf535d0aa6e52980d53b78";
constexpr const char* kC3 =
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa"
    "05"
    "1ba30b396a0aac973d58e091473f5985";

TEST(Ghash, SpecTestCase2) {
  Ghash g(block("66e94bd4ef8a2c3b884cfa59ca342b2e"));
  g.update(hex("0388dace60b6a392f328c2b971b2fe78"));
  EXPECT_EQ(hexOf(g.finish(0, 16)), "f38cbb1ad69223dcc3457ae5b6b0f885");
}

TEST(Ghash, SpecTestCase3InAnySplit) {
  Bytes c = hex(kC3);
  for (size_t split : {0U, 1U, 15U, 16U, 17U, 40U, 64U}) {
    Ghash g(block(kH234));
    g.update(std::span<const uint8_t>(c).first(split));
    g.update(std::span<const uint8_t>(c).subspan(split));
    EXPECT_EQ(hexOf(g.finish(0, c.size())), "7f1b32b81b820d02614f8895ac1d4eac") << split;
  }
}

TEST(Ghash, SpecTestCase4PadsAadAndCiphertextSections) {
  Bytes aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");  // 20 bytes: a partial block
  Bytes c = hex(kC3);
  c.resize(60);
  Ghash g(block(kH234));
  g.update(aad);
  g.endSection();
  g.update(std::span<const uint8_t>(c).first(7));
  g.update(std::span<const uint8_t>(c).subspan(7));
  EXPECT_EQ(hexOf(g.finish(aad.size(), c.size())), "698e57f70e6ecc7fd9463b7260a9ae5f");
}

TEST(Ghash, MultiplicationHasOneAsIdentityAndCommutes) {
  AesBlock one{};
  one[0] = 0x80;  // the polynomial 1 in SP 800-38D's bit order
  AesBlock x = block("0388dace60b6a392f328c2b971b2fe78");
  AesBlock y = block(kH234);
  EXPECT_EQ(hexOf(gfMultiply(x, one)), hexOf(x));
  EXPECT_EQ(hexOf(gfMultiply(x, y)), hexOf(gfMultiply(y, x)));
  EXPECT_EQ(hexOf(gfMultiply(x, AesBlock{})), hexOf(AesBlock{}));
}

TEST(Counter, IncrementStaysInsideTheCounterBits) {
  AesBlock b = block("0102030405060708090a0b0c0d0effff");
  incrementCounter(b, 16);
  EXPECT_EQ(hexOf(b), "0102030405060708090a0b0c0d0e0000");  // wraps, byte 13 untouched
  b = block("0102030405060708090a0b0c0d0effff");
  incrementCounter(b, 17);
  EXPECT_EQ(hexOf(b), "0102030405060708090a0b0c0d0f0000");
  b = block("0102030405060708ffffffffffffffff");
  incrementCounter(b, 64);
  EXPECT_EQ(hexOf(b), "01020304050607080000000000000000");
  b = block("0102030405060708ffffffffffffffff");
  incrementCounter(b, 72);
  EXPECT_EQ(hexOf(b), "01020304050607090000000000000000");
  b = block("ffffffffffffffffffffffffffffffff");
  incrementCounter(b, 128);
  EXPECT_EQ(hexOf(b), "00000000000000000000000000000000");
  b = block("ffffffffffffffffffffffffffffff7f");
  incrementCounter(b, 7);
  EXPECT_EQ(hexOf(b), "ffffffffffffffffffffffffffffff00");
}

TEST(Counter, BlocksBeforeWrap) {
  EXPECT_EQ(blocksBeforeWrap(block("ffffffffffffffffffffffffffffff01"), 1), 1U);
  EXPECT_EQ(blocksBeforeWrap(block("ffffffffffffffffffffffffffff0000"), 16), 65536U);
  EXPECT_EQ(blocksBeforeWrap(block("00000000000000000000000000fffffe"), 16), 2U);
  EXPECT_EQ(blocksBeforeWrap(block("0000000000000000fffffffffffffff0"), 64), 16U);
  EXPECT_EQ(blocksBeforeWrap(block("00000000000000000000000000000001"), 64),
            UINT64_MAX);  // 2^64 - 1
  EXPECT_EQ(blocksBeforeWrap(block("00000000000000010000000000000000"), 65), UINT64_MAX);
  EXPECT_EQ(blocksBeforeWrap(block("00000000000000ffffffffffffffff00"), 72), 256U);
  EXPECT_EQ(blocksBeforeWrap(block("fffffffffffffffffffffffffffffffe"), 128), 2U);
}

TEST(Counter, KeystreamServesPartialBlocksAcrossCalls) {
  CounterKeystream ks(block("00000000000000000000000000000000"), 32, 3);
  auto first = ks.countersFor(5);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 1U);
  AesBlock e1 = block("0102030405060708090a0b0c0d0e0f10");
  Bytes zeros(5, 0);
  EXPECT_EQ(hexEncode(ks.apply(zeros, std::span<const AesBlock>(&e1, 1))), "0102030405");
  auto second = ks.countersFor(11);  // the rest of block 1: no new counter
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(hexEncode(ks.apply(Bytes(11, 0), {})), "060708090a0b0c0d0e0f10");
  auto tooMany = ks.countersFor(33);  // three more blocks, two left
  EXPECT_FALSE(tooMany);
  auto two = ks.countersFor(32);
  ASSERT_TRUE(two);
  EXPECT_EQ(hexOf((*two)[1]), "00000000000000000000000000000002");
}

}  // namespace
}  // namespace p11nethsm::mech::test
