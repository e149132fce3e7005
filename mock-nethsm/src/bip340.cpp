#include "bip340.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <memory>

namespace p11nethsm::mock {
namespace {

using Bn = std::unique_ptr<BIGNUM, decltype(&BN_clear_free)>;
using Point = std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)>;

Bn newBn(BIGNUM* b = nullptr) { return Bn(b != nullptr ? b : BN_new(), &BN_clear_free); }

// hash_tag(x) = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ x)
Bytes taggedHash(const std::string& tag, const Bytes& data) {
  unsigned char th[32];
  EVP_Digest(tag.data(), tag.size(), th, nullptr, EVP_sha256(), nullptr);
  Bytes input(th, th + 32);
  input.insert(input.end(), th, th + 32);
  input.insert(input.end(), data.begin(), data.end());
  Bytes out(32);
  EVP_Digest(input.data(), input.size(), out.data(), nullptr, EVP_sha256(), nullptr);
  return out;
}

// int(hash_tag(a ‖ b ‖ m)) mod n, the shape of the BIP's nonce and challenge.
Bn hashToScalar(const std::string& tag, const Bytes& a, const Bytes& b, const Bytes& m,
                const BIGNUM* n, BN_CTX* ctx) {
  Bytes input = a;
  input.insert(input.end(), b.begin(), b.end());
  input.insert(input.end(), m.begin(), m.end());
  Bytes h = taggedHash(tag, input);
  Bn out = newBn(BN_bin2bn(h.data(), 32, nullptr));
  BN_nnmod(out.get(), out.get(), n, ctx);
  return out;
}

Bytes bytes32(const BIGNUM* b) {
  Bytes out(32);
  BN_bn2binpad(b, out.data(), 32);
  return out;
}

struct Curve {
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group{
      EC_GROUP_new_by_curve_name(NID_secp256k1), &EC_GROUP_free};
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx{BN_CTX_new(), &BN_CTX_free};
  const BIGNUM* order() const { return EC_GROUP_get0_order(group.get()); }
  // x and whether y is even, of k·G
  bool mulBase(const BIGNUM* k, Bn& x, bool& evenY) {
    Point p(EC_POINT_new(group.get()), &EC_POINT_free);
    Bn y = newBn();
    if (EC_POINT_mul(group.get(), p.get(), k, nullptr, nullptr, ctx.get()) != 1 ||
        EC_POINT_get_affine_coordinates(group.get(), p.get(), x.get(), y.get(), ctx.get()) != 1) {
      return false;
    }
    evenY = !BN_is_odd(y.get());
    return true;
  }
};

std::optional<Bn> secretScalar(EVP_PKEY* key) {
  char group[32] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1 ||
      std::string(group) != "secp256k1") {
    return std::nullopt;
  }
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return std::nullopt;
  return newBn(d);
}

}  // namespace

std::optional<Bytes> bip340Sign(EVP_PKEY* key, const Bytes& message,
                                const std::optional<Bytes>& aux) {
  auto d0 = secretScalar(key);
  if (!d0) return std::nullopt;
  Curve c;
  const BIGNUM* n = c.order();
  Bn px = newBn(), rx = newBn(), d = newBn(), s = newBn();
  bool evenP = false, evenR = false;
  if (!c.mulBase(d0->get(), px, evenP)) return std::nullopt;
  BN_copy(d.get(), d0->get());
  if (!evenP) BN_sub(d.get(), n, d0->get());
  Bytes t = bytes32(d.get());
  Bytes a = aux ? *aux : randomBytes(32);
  Bytes auxHash = taggedHash("BIP0340/aux", a);
  for (size_t i = 0; i < 32; ++i) t[i] ^= auxHash[i];
  Bytes pxBytes = bytes32(px.get());
  Bn k = hashToScalar("BIP0340/nonce", t, pxBytes, message, n, c.ctx.get());
  if (BN_is_zero(k.get()) || !c.mulBase(k.get(), rx, evenR)) return std::nullopt;
  if (!evenR) BN_sub(k.get(), n, k.get());
  Bytes sig = bytes32(rx.get());
  Bn e = hashToScalar("BIP0340/challenge", sig, pxBytes, message, n, c.ctx.get());
  BN_mod_mul(s.get(), e.get(), d.get(), n, c.ctx.get());
  BN_mod_add(s.get(), s.get(), k.get(), n, c.ctx.get());
  Bytes sBytes = bytes32(s.get());
  sig.insert(sig.end(), sBytes.begin(), sBytes.end());
  return sig;
}

std::optional<Bytes> bip340PublicX(EVP_PKEY* key) {
  auto d = secretScalar(key);
  if (!d) return std::nullopt;
  Curve c;
  Bn x = newBn();
  bool even = false;
  if (!c.mulBase(d->get(), x, even)) return std::nullopt;
  return bytes32(x.get());
}

bool bip340Verify(const Bytes& publicX, const Bytes& message, const Bytes& signature) {
  if (publicX.size() != 32 || signature.size() != 64) return false;
  Curve c;
  Point p(EC_POINT_new(c.group.get()), &EC_POINT_free);
  Bn x = newBn(BN_bin2bn(publicX.data(), 32, nullptr));
  // lift_x: the point with this x and even y.
  if (EC_POINT_set_compressed_coordinates(c.group.get(), p.get(), x.get(), 0, c.ctx.get()) != 1)
    return false;
  Bn r = newBn(BN_bin2bn(signature.data(), 32, nullptr));
  Bn s = newBn(BN_bin2bn(signature.data() + 32, 32, nullptr));
  if (BN_cmp(s.get(), c.order()) >= 0) return false;
  Bn e = hashToScalar("BIP0340/challenge", Bytes(signature.begin(), signature.begin() + 32),
                      publicX, message, c.order(), c.ctx.get());
  BN_sub(e.get(), c.order(), e.get());  // R = s·G − e·P = s·G + (n − e)·P
  Point rPoint(EC_POINT_new(c.group.get()), &EC_POINT_free);
  Bn rx = newBn(), ry = newBn();
  if (EC_POINT_mul(c.group.get(), rPoint.get(), s.get(), p.get(), e.get(), c.ctx.get()) != 1 ||
      EC_POINT_is_at_infinity(c.group.get(), rPoint.get()) ||
      EC_POINT_get_affine_coordinates(c.group.get(), rPoint.get(), rx.get(), ry.get(),
                                      c.ctx.get()) != 1) {
    return false;
  }
  return !BN_is_odd(ry.get()) && BN_cmp(rx.get(), r.get()) == 0;
}

}  // namespace p11nethsm::mock
