#pragma once
// The AES block cipher of an appliance key (issue 14). The NetHSM offers only raw
// AES-CBC (POST /keys/{id}/encrypt|decrypt, mode AES_CBC, no padding, caller-chosen
// IV; BEHAVIOUR.md §6), and that is enough:
//   forward:  CBC encryption of one block X with a zero IV is AES_K(X), one request per
//             block (the next block's cipher input would depend on this block's output);
//   inverse:  CBC decryption of C_1…C_n with a zero IV gives P_i = AES_K^-1(C_i) xor
//             C_(i-1), and every C_i is ours, so one request serves many blocks.
// The key never leaves the appliance. GCM and CTR need only the forward direction.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mech/appliance.hpp"

namespace p11nethsm::mech {

constexpr size_t kAesBlockSize = 16;
using AesBlock = std::array<uint8_t, kAesBlockSize>;

// Parallel requests per call on a production appliance: the smallest default of
// max_idle_connections (the transport's handle pool, handle_pool.hpp), so that a
// call's requests reuse kept-alive connections instead of paying a TLS handshake each.
constexpr size_t kBlockRequestWorkers = 4;
// Blocks per POST /keys/{id}/decrypt of the inverse cipher (512 KiB, far below the
// firmware's 67 MiB body limit).
constexpr size_t kDecryptChunkBlocks = 32768;

class AesBlockCipher {
 public:
  AesBlockCipher(std::shared_ptr<Appliance> appliance, std::string keyId)
      : appliance_(std::move(appliance)), keyId_(std::move(keyId)) {}

  // AES_K of each block: blocks.size() encrypt requests, at most
  // Appliance::parallelRequests() in flight. The first failure is returned.
  Result<std::vector<AesBlock>> encrypt(std::span<const AesBlock> blocks) const;
  // AES_K^-1 of each block: one decrypt request per kDecryptChunkBlocks blocks.
  Result<std::vector<AesBlock>> decrypt(std::span<const AesBlock> blocks) const;

 private:
  std::shared_ptr<Appliance> appliance_;
  std::string keyId_;
};

// The key checks of every AES mechanism: a Generic key that is 128, 192 or 256 bits
// long (0: unknown, the appliance then judges) and that the appliance allows for
// `needed` (CKR_KEY_SIZE_RANGE, CKR_KEY_FUNCTION_NOT_PERMITTED).
Status checkAesKey(const KeyView& key, nethsm::KeyMechanism needed);

// Whole blocks of `data` (its size must be a multiple of 16) and back.
std::vector<AesBlock> toBlocks(std::span<const uint8_t> data);
Bytes fromBlocks(std::span<const AesBlock> blocks);
void xorInto(AesBlock& into, const AesBlock& with);
// Overwrites key-dependent material (hash subkeys, keystream) before it is freed.
void cleanse(std::span<AesBlock> blocks);
void cleanse(Bytes& bytes);

}  // namespace p11nethsm::mech
