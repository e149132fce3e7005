#pragma once
// BIP-340 Schnorr signatures on secp256k1 (mode "BIP340", firmware 3.0+). OpenSSL has
// no BIP-340, so the scheme is composed here from OpenSSL's SHA-256, BIGNUM and EC
// point arithmetic, following the BIP's signing algorithm step by step.
#include <optional>

#include "codec.hpp"
#include "key_material.hpp"

namespace p11nethsm::mock {

// 64-byte signature R.x ‖ s of `message` (any length); `aux` is the 32-byte auxiliary
// randomness (random when absent). nullopt if the key is not secp256k1.
std::optional<Bytes> bip340Sign(EVP_PKEY* key, const Bytes& message,
                                const std::optional<Bytes>& aux = std::nullopt);
// Verification, for tests.
bool bip340Verify(const Bytes& publicX, const Bytes& message, const Bytes& signature);
// The secret scalar's x-only public key (32 bytes), for tests.
std::optional<Bytes> bip340PublicX(EVP_PKEY* key);

}  // namespace p11nethsm::mock
