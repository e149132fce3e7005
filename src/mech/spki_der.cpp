#include "mech/spki_der.hpp"

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "mech/ossl.hpp"

namespace p11nethsm::mech {
namespace {

using X509PubkeyPtr = std::unique_ptr<X509_PUBKEY, OsslFree<X509_PUBKEY_free>>;
void freeAnySequence(STACK_OF(ASN1_TYPE) * sequence) {
  sk_ASN1_TYPE_pop_free(sequence, ASN1_TYPE_free);
}
using AnySequencePtr = std::unique_ptr<STACK_OF(ASN1_TYPE), OsslFree<freeAnySequence>>;

// The algorithm and the subjectPublicKey bits of an SPKI (RFC 5280 §4.1.2.7).
struct SpkiParts {
  int algorithm = NID_undef;
  int parameterType = V_ASN1_UNDEF;  // V_ASN1_UNDEF: no parameters (RFC 8410 §3)
  int curve = NID_undef;             // EC: the namedCurve OID (RFC 5480 §2.1.1)
  Bytes key;
};

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1),
// encoded by OpenSSL as a SEQUENCE of two INTEGERs.
bool rsaPublicKeyDer(EVP_PKEY* key, Bytes& out) {
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
  BnPtr nOwned(n), eOwned(e);
  AnySequencePtr sequence(sk_ASN1_TYPE_new_null());
  if (!n || !e || !sequence) return false;
  for (const BIGNUM* value : {n, e}) {
    ASN1_TYPE* item = ASN1_TYPE_new();
    ASN1_INTEGER* integer = BN_to_ASN1_INTEGER(value, nullptr);
    if (item == nullptr || integer == nullptr) {
      ASN1_TYPE_free(item);
      ASN1_INTEGER_free(integer);
      return false;
    }
    ASN1_TYPE_set(item, V_ASN1_INTEGER, integer);
    if (sk_ASN1_TYPE_push(sequence.get(), item) == 0) {
      ASN1_TYPE_free(item);
      return false;
    }
  }
  unsigned char* der = nullptr;
  const int len = i2d_ASN1_SEQUENCE_ANY(sequence.get(), &der);
  if (len <= 0) return false;
  out.assign(der, der + len);
  OPENSSL_free(der);
  return true;
}

bool spkiParts(EVP_PKEY* key, SpkiParts& parts) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519: {
      size_t len = 0;
      if (EVP_PKEY_get_raw_public_key(key, nullptr, &len) != 1) return false;
      parts.key.resize(len);
      parts.algorithm = NID_ED25519;
      return EVP_PKEY_get_raw_public_key(key, parts.key.data(), &len) == 1;
    }
    case EVP_PKEY_EC: {
      char group[64];
      size_t groupLen = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &groupLen) != 1)
        return false;
      parts.algorithm = NID_X9_62_id_ecPublicKey;
      parts.parameterType = V_ASN1_OBJECT;
      parts.curve = OBJ_sn2nid(group);
      unsigned char* point = nullptr;
      const size_t pointLen = EVP_PKEY_get1_encoded_public_key(key, &point);
      if (pointLen > 0) parts.key.assign(point, point + pointLen);
      OPENSSL_free(point);
      return parts.curve != NID_undef && pointLen > 0;
    }
    case EVP_PKEY_RSA:
      parts.algorithm = NID_rsaEncryption;
      parts.parameterType = V_ASN1_NULL;
      return rsaPublicKeyDer(key, parts.key);
    default:
      return false;
  }
}

Result<Bytes> encoderDer(EVP_PKEY* key) {
  const int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return osslError("i2d_PUBKEY");
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PUBKEY(key, &p) != len) return osslError("i2d_PUBKEY");
  return out;
}

}  // namespace

Result<Bytes> spkiDer(EVP_PKEY* key) {
  SpkiParts parts;
  if (!spkiParts(key, parts)) return encoderDer(key);
  X509PubkeyPtr pub(X509_PUBKEY_new());
  void* parameter = parts.parameterType == V_ASN1_OBJECT ? OBJ_nid2obj(parts.curve) : nullptr;
  auto* bits = static_cast<unsigned char*>(OPENSSL_memdup(parts.key.data(), parts.key.size()));
  if (!pub || bits == nullptr) {
    OPENSSL_free(bits);
    return osslError("X509_PUBKEY_new");
  }
  // Takes ownership of `bits` (and of the static OID object) on success only.
  if (X509_PUBKEY_set0_param(pub.get(), OBJ_nid2obj(parts.algorithm), parts.parameterType,
                             parameter, bits, static_cast<int>(parts.key.size())) != 1) {
    OPENSSL_free(bits);
    return encoderDer(key);
  }
  const int len = i2d_X509_PUBKEY(pub.get(), nullptr);
  if (len <= 0) return encoderDer(key);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_X509_PUBKEY(pub.get(), &p) != len) return encoderDer(key);
  return out;
}

}  // namespace p11nethsm::mech
