// SP 800-56B rev. 2 Appendix C.1 prime recovery (see rsa_primes.hpp).
#include "mech/rsa_primes.hpp"

#include "mech/ossl.hpp"

namespace p11nethsm::mech {
namespace {

constexpr int kMaxAttempts = 100;  // each base finds a factor with probability ≥ 1/2

BnPtr bnFrom(const Bytes& b) {
  return BnPtr(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
}

Bytes bnBytes(const BIGNUM* bn) {
  Bytes out(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

Error inconsistent() {
  return ckError(
      CKR_ATTRIBUTE_VALUE_INVALID,
      "CKA_MODULUS, CKA_PUBLIC_EXPONENT and CKA_PRIVATE_EXPONENT do not form an RSA key");
}

// Tries base g: x = g^t mod n, squared up to s times; a non-trivial square root of 1
// gives a factor gcd(x - 1, n).
Result<bool> tryBase(BN_ULONG g, const BIGNUM* n, const BIGNUM* t, int s, BIGNUM* factor,
                     BN_CTX* ctx) {
  BnPtr base(BN_new()), x(BN_new()), y(BN_new()), nMinus1(BN_dup(n)), xMinus1(BN_new());
  if (!base || !x || !y || !nMinus1 || !xMinus1 || BN_set_word(base.get(), g) != 1 ||
      BN_sub_word(nMinus1.get(), 1) != 1 || BN_mod_exp(x.get(), base.get(), t, n, ctx) != 1) {
    return osslError("BIGNUM");
  }
  for (int i = 0; i < s; ++i) {
    if (BN_is_one(x.get()) || BN_cmp(x.get(), nMinus1.get()) == 0) return false;
    if (BN_mod_sqr(y.get(), x.get(), n, ctx) != 1) return osslError("BN_mod_sqr");
    if (BN_is_one(y.get())) {
      if (!BN_copy(xMinus1.get(), x.get()) || BN_sub_word(xMinus1.get(), 1) != 1 ||
          BN_gcd(factor, xMinus1.get(), n, ctx) != 1) {
        return osslError("BN_gcd");
      }
      return true;
    }
    std::swap(x, y);
  }
  return false;
}

}  // namespace

Result<RsaPrimes> recoverRsaPrimes(const Bytes& modulus, const Bytes& publicExponent,
                                   const Bytes& privateExponent) {
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr n = bnFrom(modulus), e = bnFrom(publicExponent), d = bnFrom(privateExponent);
  BnPtr k(BN_new()), factor(BN_new()), other(BN_new()), rem(BN_new());
  if (!ctx || !n || !e || !d || !k || !factor || !other || !rem) return osslError("BIGNUM");
  if (BN_is_zero(n.get()) || !BN_is_odd(n.get())) return inconsistent();
  // k = d·e − 1 = 2^s · t with t odd.
  if (BN_mul(k.get(), d.get(), e.get(), ctx.get()) != 1 || BN_sub_word(k.get(), 1) != 1) {
    return osslError("BN_mul");
  }
  if (BN_is_zero(k.get()) || BN_is_odd(k.get())) return inconsistent();
  int s = 0;
  while (!BN_is_odd(k.get())) {
    if (BN_rshift1(k.get(), k.get()) != 1) return osslError("BN_rshift1");
    ++s;
  }
  for (BN_ULONG g = 2; g < static_cast<BN_ULONG>(2 + kMaxAttempts); ++g) {
    auto found = tryBase(g, n.get(), k.get(), s, factor.get(), ctx.get());
    if (!found) return found.error();
    if (!*found || BN_is_one(factor.get()) || BN_cmp(factor.get(), n.get()) == 0) continue;
    if (BN_div(other.get(), rem.get(), n.get(), factor.get(), ctx.get()) != 1) {
      return osslError("BN_div");
    }
    if (!BN_is_zero(rem.get())) return inconsistent();
    bool factorLarger = BN_cmp(factor.get(), other.get()) > 0;
    const BIGNUM* p = factorLarger ? factor.get() : other.get();
    const BIGNUM* q = factorLarger ? other.get() : factor.get();
    return RsaPrimes{bnBytes(p), bnBytes(q)};
  }
  return inconsistent();
}

}  // namespace p11nethsm::mech
