// See ghash.hpp.
#include "mech/ghash.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace p11nethsm::mech {
namespace {

constexpr uint64_t kReduction = 0xE100000000000000ULL;  // R = 11100001 ‖ 0^120

uint64_t load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void store64(uint64_t v, uint8_t* p) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

// Z = X • Y (§6.3 Algorithm 1). Bit i of X is bit 63 - i of xHi for i < 64, then of
// xLo; the loop bounds and shifts depend only on i, the masks carry the data.
void multiply(uint64_t xHi, uint64_t xLo, uint64_t yHi, uint64_t yLo, uint64_t& zHi,
              uint64_t& zLo) {
  uint64_t rHi = 0, rLo = 0, vHi = yHi, vLo = yLo;
  for (int i = 0; i < 128; ++i) {
    uint64_t bit = i < 64 ? (xHi >> (63 - i)) & 1 : (xLo >> (127 - i)) & 1;
    uint64_t take = 0 - bit;
    rHi ^= vHi & take;
    rLo ^= vLo & take;
    uint64_t carry = 0 - (vLo & 1);  // LSB of V before the shift decides on R
    vLo = (vLo >> 1) | (vHi << 63);
    vHi = (vHi >> 1) ^ (kReduction & carry);
  }
  zHi = rHi;
  zLo = rLo;
}

}  // namespace

Ghash::Ghash(const AesBlock& h) : hHi_(load64(h.data())), hLo_(load64(h.data() + 8)) {}

Ghash::~Ghash() {
  OPENSSL_cleanse(&hHi_, sizeof hHi_);
  OPENSSL_cleanse(&hLo_, sizeof hLo_);
  OPENSSL_cleanse(&yHi_, sizeof yHi_);
  OPENSSL_cleanse(&yLo_, sizeof yLo_);
  OPENSSL_cleanse(partial_.data(), partial_.size());
}

// Y_i = (Y_(i-1) xor X_i) • H (§6.4).
void Ghash::absorb(const uint8_t* block) {
  multiply(yHi_ ^ load64(block), yLo_ ^ load64(block + 8), hHi_, hLo_, yHi_, yLo_);
}

void Ghash::update(std::span<const uint8_t> data) {
  size_t off = 0;
  if (partialLen_ > 0) {
    size_t n = std::min(kAesBlockSize - partialLen_, data.size());
    std::copy_n(data.begin(), n, partial_.begin() + static_cast<std::ptrdiff_t>(partialLen_));
    partialLen_ += n;
    off = n;
    if (partialLen_ < kAesBlockSize) return;
    absorb(partial_.data());
    partialLen_ = 0;
  }
  for (; data.size() - off >= kAesBlockSize; off += kAesBlockSize) absorb(data.data() + off);
  std::copy(data.begin() + static_cast<std::ptrdiff_t>(off), data.end(), partial_.begin());
  partialLen_ = data.size() - off;
}

void Ghash::endSection() {
  if (partialLen_ == 0) return;
  std::fill(partial_.begin() + static_cast<std::ptrdiff_t>(partialLen_), partial_.end(), 0);
  absorb(partial_.data());
  partialLen_ = 0;
}

AesBlock Ghash::finish(uint64_t firstBytes, uint64_t secondBytes) {
  endSection();
  AesBlock lengths{};
  store64(firstBytes * 8, lengths.data());
  store64(secondBytes * 8, lengths.data() + 8);
  absorb(lengths.data());
  AesBlock out{};
  store64(yHi_, out.data());
  store64(yLo_, out.data() + 8);
  return out;
}

AesBlock gfMultiply(const AesBlock& x, const AesBlock& y) {
  uint64_t zHi = 0, zLo = 0;
  multiply(load64(x.data()), load64(x.data() + 8), load64(y.data()), load64(y.data() + 8), zHi,
           zLo);
  AesBlock out{};
  store64(zHi, out.data());
  store64(zLo, out.data() + 8);
  return out;
}

}  // namespace p11nethsm::mech
