// See aes_block.hpp.
#include "mech/aes_block.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "log/log.hpp"
#include "mech/bounded_parallel.hpp"
#include "mech/mechanism_spec.hpp"

namespace p11nethsm::mech {
namespace {

const Bytes& zeroIv() {
  static const Bytes* iv = new Bytes(kAesBlockSize, 0);  // no static destructor
  return *iv;
}

}  // namespace

Result<std::vector<AesBlock>> AesBlockCipher::encrypt(std::span<const AesBlock> blocks) const {
  std::vector<AesBlock> out(blocks.size());
  auto one = [&](size_t i) -> Status {
    Bytes message(blocks[i].begin(), blocks[i].end());
    auto cipher = appliance_->encryptAesCbc(keyId_, message, zeroIv());
    if (!cipher) return cipher.error();
    if (cipher->size() != kAesBlockSize) {
      cleanse(*cipher);
      log::error("POST /keys/" + keyId_ + "/encrypt: answer of " + std::to_string(cipher->size()) +
                 " bytes for one AES block");
      return ckError(CKR_DEVICE_ERROR, "the appliance answered an AES block of wrong size");
    }
    std::copy(cipher->begin(), cipher->end(), out[i].begin());
    cleanse(*cipher);
    return okStatus();
  };
  auto done = runBounded(blocks.size(), appliance_->parallelRequests(), one);
  if (!done) {
    cleanse(out);
    return done.error();
  }
  return out;
}

Result<std::vector<AesBlock>> AesBlockCipher::decrypt(std::span<const AesBlock> blocks) const {
  std::vector<AesBlock> out(blocks.size());
  size_t chunks = (blocks.size() + kDecryptChunkBlocks - 1) / kDecryptChunkBlocks;
  auto one = [&](size_t c) -> Status {
    size_t first = c * kDecryptChunkBlocks;
    auto part = blocks.subspan(first, std::min(kDecryptChunkBlocks, blocks.size() - first));
    auto plain =
        appliance_->decrypt(keyId_, nethsm::DecryptMode::kAesCbc, fromBlocks(part), zeroIv());
    if (!plain) return plain.error();
    if (plain->size() != part.size() * kAesBlockSize) {
      cleanse(*plain);
      log::error("POST /keys/" + keyId_ + "/decrypt: answer of " + std::to_string(plain->size()) +
                 " bytes for " + std::to_string(part.size()) + " AES blocks");
      return ckError(CKR_DEVICE_ERROR, "the appliance answered a plaintext of wrong size");
    }
    for (size_t j = 0; j < part.size(); ++j) {
      AesBlock& b = out[first + j];
      std::copy_n(plain->begin() + static_cast<std::ptrdiff_t>(j * kAesBlockSize), kAesBlockSize,
                  b.begin());
      if (j > 0) xorInto(b, part[j - 1]);  // CBC: P_j = AES^-1(C_j) xor C_(j-1), C_0 = IV = 0
    }
    cleanse(*plain);
    return okStatus();
  };
  auto done = runBounded(chunks, appliance_->parallelRequests(), one);
  if (!done) {
    cleanse(out);
    return done.error();
  }
  return out;
}

Status checkAesKey(const KeyView& key, nethsm::KeyMechanism needed) {
  // GET /keys/{id} does not tell a Generic key's length: 0 means unknown, and the
  // appliance then refuses a key that is not 16, 24 or 32 bytes itself.
  unsigned bits = key.bits;
  if (bits != 0 && bits != 128 && bits != 192 && bits != 256) {
    return ckError(CKR_KEY_SIZE_RANGE, "AES keys are 128, 192 or 256 bits");
  }
  return requireKeyMechanism(key, needed);
}

std::vector<AesBlock> toBlocks(std::span<const uint8_t> data) {
  std::vector<AesBlock> out(data.size() / kAesBlockSize);
  for (size_t i = 0; i < out.size(); ++i) {
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(i * kAesBlockSize), kAesBlockSize,
                out[i].begin());
  }
  return out;
}

Bytes fromBlocks(std::span<const AesBlock> blocks) {
  Bytes out;
  out.reserve(blocks.size() * kAesBlockSize);
  for (const auto& b : blocks) out.insert(out.end(), b.begin(), b.end());
  return out;
}

void xorInto(AesBlock& into, const AesBlock& with) {
  for (size_t i = 0; i < kAesBlockSize; ++i) into[i] ^= with[i];
}

void cleanse(std::span<AesBlock> blocks) {
  if (!blocks.empty()) OPENSSL_cleanse(blocks.data(), blocks.size_bytes());
}

void cleanse(Bytes& bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

}  // namespace p11nethsm::mech
