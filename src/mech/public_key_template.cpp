// C_CreateObject of a CKO_PUBLIC_KEY (PKCS#11 v2.40 §2.1.2 RSA, §2.3.3 EC, 3.0 §2.3.5
// Edwards) → the same attributes a NetHSM key reports. The NetHSM cannot store a
// public key alone, but verification and RSA encryption are local, so a session
// public-key object (e.g. SunPKCS11 importing a certificate's key for
// Signature.initVerify) can be served from memory with these attributes.
#include <openssl/asn1.h>

#include "mech/ec_curve.hpp"
#include "mech/key_usage.hpp"
#include "mech/public_key.hpp"
#include "mech/template_reader.hpp"

namespace p11nethsm::mech {
namespace {

using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslFree<ASN1_OCTET_STRING_free>>;

// CKA_EC_POINT is a DER OCTET STRING (v2.40); some callers pass the bare point.
Bytes unwrapEcPoint(const Bytes& value, size_t rawSize) {
  if (value.size() == rawSize) return value;
  const unsigned char* p = value.data();
  OctetPtr os(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(value.size())));
  if (!os || p != value.data() + value.size()) return {};
  const unsigned char* data = ASN1_STRING_get0_data(os.get());
  return Bytes(data, data + ASN1_STRING_length(os.get()));
}

Error incomplete(const char* what) {
  return ckError(CKR_TEMPLATE_INCOMPLETE, std::string(what) + " is required for this public key");
}

}  // namespace

Result<PublicKeyFromTemplate> publicKeyFromTemplate(std::span<const CK_ATTRIBUTE> keyTemplate) {
  TemplateReader tpl(keyTemplate);
  auto type = tpl.ulong(CKA_KEY_TYPE);
  if (!type) return type.error();
  if (!type->has_value()) return incomplete("CKA_KEY_TYPE");
  PublicKeyFromTemplate out;
  nethsm::PublicKeyData data;
  if (**type == CKK_RSA) {
    auto n = tpl.bytes(CKA_MODULUS);
    auto e = tpl.bytes(CKA_PUBLIC_EXPONENT);
    if (!n || !e) return incomplete("CKA_MODULUS and CKA_PUBLIC_EXPONENT");
    out.type = nethsm::KeyType::kRsa;
    data.modulus = stripLeadingZeros(*n);
    data.publicExponent = stripLeadingZeros(*e);
  } else if (**type == CKK_EC || **type == CKK_EC_EDWARDS) {
    auto params = tpl.bytes(CKA_EC_PARAMS);
    auto point = tpl.bytes(CKA_EC_POINT);
    if (!params || !point) return incomplete("CKA_EC_PARAMS and CKA_EC_POINT");
    auto curve = curveFromEcParams(*params);
    if (!curve) return curve.error();
    if ((*curve)->edwards != (**type == CKK_EC_EDWARDS)) {
      return ckError(CKR_TEMPLATE_INCONSISTENT, "CKA_EC_PARAMS does not fit CKA_KEY_TYPE");
    }
    out.type = (*curve)->type;
    data.data = unwrapEcPoint(*point, (*curve)->edwards ? 32 : 1 + 2 * (*curve)->fieldBytes);
  } else {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "public keys are RSA, EC or Edwards keys");
  }
  auto attrs = publicKeyAttributes(out.type, data);
  if (!attrs) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "the template does not hold a valid public key");
  }
  out.attributes = std::move(*attrs);
  return out;
}

}  // namespace p11nethsm::mech
