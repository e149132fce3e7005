// Sanity of public keys from the appliance or a template (issue 12 §1, "Believe
// nothing unchecked"): RSA numbers a key can have, EC points on their curve. A key that
// fails is not represented (core skips it with a warning).
#include <openssl/ec.h>

#include "mech/ec_curve.hpp"
#include "mech/public_key.hpp"

namespace p11nethsm::mech {
namespace {

using EcGroupPtr = std::unique_ptr<EC_GROUP, OsslFree<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, OsslFree<EC_POINT_free>>;

Error badKey(const std::string& what) { return ckError(CKR_DEVICE_ERROR, what); }

}  // namespace

Status checkRsaNumbers(std::span<const uint8_t> modulus, std::span<const uint8_t> exponent) {
  BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  BnPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  if (!n || !e) return osslError("BN_bin2bn");
  const int bits = BN_num_bits(n.get());
  if (bits < static_cast<int>(kMinRsaBits) || bits > static_cast<int>(kMaxRsaBits)) {
    return badKey("RSA modulus of " + std::to_string(bits) + " bits (accepted: " +
                  std::to_string(kMinRsaBits) + "–" + std::to_string(kMaxRsaBits) + ")");
  }
  if (!BN_is_odd(n.get())) return badKey("RSA modulus is even");
  // RFC 8017 §3.1: 3 ≤ e ≤ n − 1, odd.
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_cmp(e.get(), n.get()) >= 0) {
    return badKey("RSA public exponent is empty, even, 1 or not below the modulus");
  }
  return okStatus();
}

// SEC 1 §2.3.3/§2.3.4: 04‖X‖Y passes through (EVP_PKEY_fromdata, which every key
// goes through, refuses a point off the curve); 02/03‖X is decompressed, which fails
// when no point of the curve has that X. The point at infinity (00) and every other
// length are refused.
Result<Bytes> uncompressedPoint(const CurveInfo& curve, std::span<const uint8_t> point) {
  const size_t field = curve.fieldBytes;
  if (point.size() == 1 + 2 * field && point[0] == 0x04) return Bytes(point.begin(), point.end());
  if (point.size() != 1 + field || (point[0] != 0x02 && point[0] != 0x03)) {
    return badKey("EC point is neither an uncompressed nor a compressed point of its curve");
  }
  EcGroupPtr group(EC_GROUP_new_by_curve_name(curve.nid));
  EcPointPtr p(group ? EC_POINT_new(group.get()) : nullptr);
  if (!p) return osslError("EC_GROUP_new_by_curve_name");
  if (EC_POINT_oct2point(group.get(), p.get(), point.data(), point.size(), nullptr) != 1) {
    return badKey("compressed EC point is not on its curve");
  }
  Bytes out(1 + 2 * field);
  if (EC_POINT_point2oct(group.get(), p.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), nullptr) != out.size()) {
    return osslError("EC_POINT_point2oct");
  }
  return out;
}

}  // namespace p11nethsm::mech
