// NetHSM public key data → OpenSSL keys and PKCS#11 attributes (see public_key.hpp).
#include "mech/public_key.hpp"

#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <string_view>

#include "mech/ec_curve.hpp"
#include "mech/key_usage.hpp"
#include "mech/spki_der.hpp"

namespace p11nethsm::mech {
namespace {

using nethsm::KeyType;

// Key-management names by OID, not "RSA" / "EC": OpenSSL 3.0 maps a name it knows as
// a legacy key type to its NID and first asks for an ENGINE implementing that NID
// (int_ctx_new, crypto/evp/pmeth_lib.c). In a host that loaded an engine as the
// default for RSA/EC keys, such as `openssl ... -engine pkcs11` with libp11, that is
// a legacy context on which EVP_PKEY_fromdata fails, and every key would be listed
// with an empty CKA_MODULUS / CKA_EC_POINT (issue 9: "EVP_PKEY_sign: invalid key",
// empty ECDSA signatures). The OID aliases name the same default-provider key
// management and map to no legacy NID, so no engine is consulted.
constexpr const char* kRsaKeyManagement = "1.2.840.113549.1.1.1";  // rsaEncryption
constexpr const char* kEcKeyManagement = "1.2.840.10045.2.1";      // id-ecPublicKey

Result<PkeyPtr> fromParams(const char* keyType, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  const bool rsa = std::string_view(keyType) == "RSA";
  PkeyCtxPtr ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, rsa ? kRsaKeyManagement : kEcKeyManagement, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ckError(CKR_DEVICE_ERROR, std::string("invalid ") + keyType + " public key data");
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> rsaFromNetHsm(const nethsm::PublicKeyData& data) {
  if (auto s = checkRsaNumbers(data.modulus, data.publicExponent); !s) return s.error();
  BnPtr n(BN_bin2bn(data.modulus.data(), static_cast<int>(data.modulus.size()), nullptr));
  BnPtr e(
      BN_bin2bn(data.publicExponent.data(), static_cast<int>(data.publicExponent.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return osslError("OSSL_PARAM_BLD RSA");
  }
  return fromParams("RSA", bld.get());
}

Result<PkeyPtr> ecFromNetHsm(const CurveInfo& curve, const nethsm::PublicKeyData& data) {
  if (curve.edwards) {
    if (data.data.size() != 32) return ckError(CKR_DEVICE_ERROR, "Ed25519 key is not 32 bytes");
    PkeyPtr key(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, data.data.data(), data.data.size()));
    if (!key) return osslError("EVP_PKEY_new_raw_public_key");
    return key;
  }
  auto point = uncompressedPoint(curve, data.data);
  if (!point) return point.error();
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.groupName, 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) != 1) {
    return osslError("OSSL_PARAM_BLD EC");
  }
  return fromParams("EC", bld.get());
}

}  // namespace

Result<PkeyPtr> publicKeyFromNetHsm(KeyType type, const nethsm::PublicKeyData& data) {
  if (type == KeyType::kRsa) return rsaFromNetHsm(data);
  const CurveInfo* curve = curveForKeyType(type);
  if (!curve) return ckError(CKR_KEY_TYPE_INCONSISTENT, "a Generic key has no public key");
  return ecFromNetHsm(*curve, data);
}

Result<PkeyPtr> publicKeyFromDer(std::span<const uint8_t> spkiDer) {
  const unsigned char* p = spkiDer.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spkiDer.size())));
  if (!key) return ckError(CKR_KEY_TYPE_INCONSISTENT, "the key has no usable public key");
  return key;
}

Result<Bytes> publicKeyToDer(EVP_PKEY* key) { return spkiDer(key); }

size_t rsaModulusBytes(const EVP_PKEY* key) { return static_cast<size_t>(EVP_PKEY_get_size(key)); }

Result<PublicKeyAttributes> publicKeyAttributes(KeyType type, const nethsm::PublicKeyData& data) {
  auto key = publicKeyFromNetHsm(type, data);
  if (!key) return key.error();
  auto spki = publicKeyToDer(key->get());
  if (!spki) return spki.error();
  PublicKeyAttributes attrs;
  attrs.spkiDer = std::move(*spki);
  if (type == KeyType::kRsa) {
    attrs.modulus = stripLeadingZeros(data.modulus);
    attrs.publicExponent = stripLeadingZeros(data.publicExponent);
    attrs.bits = static_cast<unsigned>(EVP_PKEY_get_bits(key->get()));
    return attrs;
  }
  const CurveInfo* curve = curveForKeyType(type);
  auto params = ecParamsDer(*curve);
  // CKA_EC_POINT always holds the uncompressed point (a compressed one is decoded).
  auto raw = curve->edwards ? Result<Bytes>(data.data) : uncompressedPoint(*curve, data.data);
  if (!raw) return raw.error();
  auto point = octetStringDer(*raw);
  if (!params) return params.error();
  if (!point) return point.error();
  attrs.ecParams = std::move(*params);
  attrs.ecPoint = std::move(*point);
  attrs.bits = curve->bits;
  return attrs;
}

}  // namespace p11nethsm::mech
