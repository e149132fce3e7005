#pragma once
// The keystream of counter mode, E_K(T_1) ‖ E_K(T_2) ‖ … (NIST SP 800-38A §6.5), and of
// GCTR in GCM (SP 800-38D §6.5: inc32). The counter is the low `counterBits` bits of
// the block and is incremented modulo 2^counterBits; the bits above it never change.
// A call is split in two so that GCM can put its other blocks into the same parallel
// round: countersFor() names the counter blocks to encrypt, apply() XORs the data with
// their encryptions. Unused bytes of the last keystream block serve the next call.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mech/aes_block.hpp"

namespace p11nethsm::mech {

class CounterKeystream {
 public:
  // `maxBlocks`: how many counter blocks the whole operation may use.
  CounterKeystream(const AesBlock& first, unsigned counterBits, uint64_t maxBlocks);
  ~CounterKeystream();  // overwrites the buffered keystream
  CounterKeystream(const CounterKeystream&) = delete;
  CounterKeystream& operator=(const CounterKeystream&) = delete;

  // The counter blocks still to encrypt for the next `bytes` bytes, in order; they are
  // taken (the next call continues after them). nullopt if that would use more than
  // maxBlocks blocks; nothing is taken then.
  std::optional<std::vector<AesBlock>> countersFor(size_t bytes);
  // `data` XOR the keystream: the buffered bytes first, then `encrypted`, the
  // encryptions of what countersFor(data.size()) returned.
  Bytes apply(std::span<const uint8_t> data, std::span<const AesBlock> encrypted);

 private:
  AesBlock next_;
  unsigned bits_;
  uint64_t blocksLeft_;
  Bytes spare_;  // keystream bytes not used yet
};

// Counter blocks from `block` up to the last value of its low `counterBits` bits
// before they would wrap to zero (2^counterBits - counter), saturated at UINT64_MAX.
uint64_t blocksBeforeWrap(const AesBlock& block, unsigned counterBits);
// The block with its low `counterBits` bits incremented modulo 2^counterBits.
void incrementCounter(AesBlock& block, unsigned counterBits);

}  // namespace p11nethsm::mech
