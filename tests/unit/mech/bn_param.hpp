#pragma once
// Big-endian bytes of an OpenSSL key parameter (modulus, primes, private scalar…),
// header-only so that unit and integration tests share it.
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "util/encoding.hpp"

namespace p11nethsm::mech::test {

inline Bytes bnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return {};
  Bytes out(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

}  // namespace p11nethsm::mech::test
