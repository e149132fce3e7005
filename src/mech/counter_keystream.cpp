// See counter_keystream.hpp.
#include "mech/counter_keystream.hpp"

#include <limits>

namespace p11nethsm::mech {
namespace {

constexpr uint64_t kAllOnes = std::numeric_limits<uint64_t>::max();

struct Split {  // the block as two big-endian halves and the counter masks
  uint64_t hi = 0, lo = 0, maskHi = 0, maskLo = 0;
};

Split split(const AesBlock& b, unsigned bits) {
  Split s;
  for (size_t i = 0; i < 8; ++i) {
    s.hi = (s.hi << 8) | b[i];
    s.lo = (s.lo << 8) | b[i + 8];
  }
  s.maskLo = bits >= 64 ? kAllOnes : (uint64_t{1} << bits) - 1;
  s.maskHi = bits >= 128 ? kAllOnes : bits > 64 ? (uint64_t{1} << (bits - 64)) - 1 : 0;
  return s;
}

void join(const Split& s, AesBlock& b) {
  for (size_t i = 0; i < 8; ++i) {
    b[7 - i] = static_cast<uint8_t>(s.hi >> (8 * i));
    b[15 - i] = static_cast<uint8_t>(s.lo >> (8 * i));
  }
}

}  // namespace

uint64_t blocksBeforeWrap(const AesBlock& block, unsigned counterBits) {
  Split s = split(block, counterBits);
  uint64_t counterLo = s.lo & s.maskLo;
  if (counterBits < 64) return s.maskLo - counterLo + 1;  // at most 2^63
  // 64 bits or more: more than 2^64 values remain unless every counter bit above the
  // low 64 is set.
  if ((s.hi & s.maskHi) != s.maskHi) return kAllOnes;
  uint64_t remaining = kAllOnes - counterLo;  // 2^64 - 1 - counterLo, plus this one
  return remaining == kAllOnes ? kAllOnes : remaining + 1;
}

void incrementCounter(AesBlock& block, unsigned counterBits) {
  Split s = split(block, counterBits);
  uint64_t lo = (s.lo & s.maskLo) + 1;
  uint64_t hi = s.hi & s.maskHi;
  if (lo == 0) ++hi;  // carry out of the low 64 bits (counters wider than 64 bits)
  s.lo = (s.lo & ~s.maskLo) | (lo & s.maskLo);
  s.hi = (s.hi & ~s.maskHi) | (hi & s.maskHi);
  join(s, block);
}

CounterKeystream::CounterKeystream(const AesBlock& first, unsigned counterBits, uint64_t maxBlocks)
    : next_(first), bits_(counterBits), blocksLeft_(maxBlocks) {}

CounterKeystream::~CounterKeystream() { cleanse(spare_); }

std::optional<std::vector<AesBlock>> CounterKeystream::countersFor(size_t bytes) {
  size_t missing = bytes > spare_.size() ? bytes - spare_.size() : 0;
  uint64_t blocks = (uint64_t{missing} + kAesBlockSize - 1) / kAesBlockSize;
  if (blocks > blocksLeft_) return std::nullopt;
  blocksLeft_ -= blocks;
  std::vector<AesBlock> out(static_cast<size_t>(blocks));
  for (auto& b : out) {
    b = next_;
    incrementCounter(next_, bits_);
  }
  return out;
}

Bytes CounterKeystream::apply(std::span<const uint8_t> data, std::span<const AesBlock> encrypted) {
  Bytes stream = std::move(spare_);
  spare_.clear();
  for (const auto& b : encrypted) stream.insert(stream.end(), b.begin(), b.end());
  Bytes out(data.size());
  size_t n = std::min(data.size(), stream.size());
  for (size_t i = 0; i < n; ++i) out[i] = data[i] ^ stream[i];
  spare_.assign(stream.begin() + static_cast<std::ptrdiff_t>(n), stream.end());
  cleanse(stream);
  return out;
}

}  // namespace p11nethsm::mech
