#pragma once
// Recovers the primes p and q of an RSA key from (n, e, d): the NetHSM imports RSA
// keys only as primes + exponent (BEHAVIOUR.md §5 "Import"), while PKCS#11 templates
// may carry just CKA_MODULUS and CKA_PRIVATE_EXPONENT. Method: NIST SP 800-56B rev. 2
// Appendix C.1 (probabilistic factoring with a known private exponent), with OpenSSL
// BIGNUM arithmetic.
#include "util/encoding.hpp"
#include "util/result.hpp"

namespace p11nethsm::mech {

struct RsaPrimes {
  Bytes p;  // big-endian, p > q
  Bytes q;
};

// CKR_ATTRIBUTE_VALUE_INVALID when (n, e, d) is not a consistent RSA key.
Result<RsaPrimes> recoverRsaPrimes(const Bytes& modulus, const Bytes& publicExponent,
                                   const Bytes& privateExponent);

}  // namespace p11nethsm::mech
