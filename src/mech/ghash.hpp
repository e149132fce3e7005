#pragma once
// GHASH of NIST SP 800-38D §6.4, in the module: the appliance offers no GCM, and the
// hash subkey H = AES_K(0^128) comes from it as one block (aes_block.hpp). The
// multiplication in GF(2^128) is Algorithm 1 of §6.3 with masks instead of branches
// and no table lookups, so its timing does not depend on H or on the data; it is slow
// next to a table-driven GHASH, but every block costs an HTTPS request anyway.
#include <cstdint>
#include <span>

#include "mech/aes_block.hpp"

namespace p11nethsm::mech {

class Ghash {
 public:
  explicit Ghash(const AesBlock& h);
  ~Ghash();  // overwrites H and the state
  Ghash(const Ghash&) = delete;
  Ghash& operator=(const Ghash&) = delete;

  // Absorbs bytes of the current section; a partial block waits for the next call.
  void update(std::span<const uint8_t> data);
  // Ends a section (IV, AAD or ciphertext): a partial block is completed with zero
  // bits, the 0^s, 0^v, 0^u padding of §7.1 and §7.2.
  void endSection();
  // Ends the last section, absorbs [8·firstBytes]_64 ‖ [8·secondBytes]_64 and returns
  // the result: S for (AAD, ciphertext) lengths, J0 for (0, IV length).
  AesBlock finish(uint64_t firstBytes, uint64_t secondBytes);

 private:
  void absorb(const uint8_t* block);

  uint64_t hHi_, hLo_;  // H as a 128-bit big-endian number
  uint64_t yHi_ = 0, yLo_ = 0;
  AesBlock partial_{};
  size_t partialLen_ = 0;
};

// X • Y in GF(2^128) with the bit order of SP 800-38D (exposed for the tests).
AesBlock gfMultiply(const AesBlock& x, const AesBlock& y);

}  // namespace p11nethsm::mech
