// Curve table and ECDSA/EC DER conversions (see ec_curve.hpp). All DER goes through
// OpenSSL's ASN.1 codecs.
#include "mech/ec_curve.hpp"

#include <openssl/asn1.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <string>
#include <string_view>

namespace p11nethsm::mech {
namespace {

using nethsm::KeyType;

// Which firmware offers which curve: nethsm/capabilities.cpp.
constexpr std::array<CurveInfo, 9> kCurves{{
    {KeyType::kEcP224, NID_secp224r1, "secp224r1", 224, 28, 28, false},
    {KeyType::kEcP256, NID_X9_62_prime256v1, "prime256v1", 256, 32, 32, false},
    {KeyType::kEcP384, NID_secp384r1, "secp384r1", 384, 48, 48, false},
    // The appliance pairs P-521 with a SHA-512-sized input, not 66 bytes (BEHAVIOUR §6).
    {KeyType::kEcP521, NID_secp521r1, "secp521r1", 521, 66, 64, false},
    {KeyType::kEcP256K1, NID_secp256k1, "secp256k1", 256, 32, 32, false},
    {KeyType::kBrainpoolP256, NID_brainpoolP256r1, "brainpoolP256r1", 256, 32, 32, false},
    {KeyType::kBrainpoolP384, NID_brainpoolP384r1, "brainpoolP384r1", 384, 48, 48, false},
    {KeyType::kBrainpoolP512, NID_brainpoolP512r1, "brainpoolP512r1", 512, 64, 64, false},
    {KeyType::kCurve25519, NID_ED25519, "", 256, 32, 0, true},
}};

// Group orders n (SEC 2 §2.4–2.9, RFC 5639 §3.4–3.7), big-endian, fieldBytes wide;
// ECDSA's r and s lie in [1, n − 1]. Compared against OpenSSL's in the unit tests.
struct CurveOrder {
  int nid;
  const char* hex;
};
constexpr CurveOrder kOrders[] = {
    {NID_secp224r1, "FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D"},
    {NID_X9_62_prime256v1, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"},
    {NID_secp384r1,
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC5"
     "2973"},
    {NID_secp521r1,
     "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148"
     "F709A5D03BB5C9B8899C47AEBB6FB71E91386409"},
    {NID_secp256k1, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"},
    {NID_brainpoolP256r1, "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"},
    {NID_brainpoolP384r1,
     "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9"
     "046565"},
    {NID_brainpoolP512r1,
     "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197F"
     "AC10471DB1D381085DDADDB58796829CA90069"},
};

// The orders as bytes, decoded at compile time: checkEcdsaRange runs for every ECDSA
// signature, and a table without a destructor is safe while exit() runs static
// destructors and other host threads still check signatures (HostExit tests).
struct OrderBytes {
  int nid = 0;
  size_t size = 0;
  std::array<uint8_t, 66> bytes{};
};
constexpr uint8_t hexValue(char c) {
  return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'A' + 10);  // the table is upper case
}
constexpr auto kOrderBytes = [] {
  std::array<OrderBytes, std::size(kOrders)> out{};
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string_view hex(kOrders[i].hex);
    out[i].nid = kOrders[i].nid;
    out[i].size = hex.size() / 2;
    for (size_t b = 0; b < out[i].size; ++b) {
      out[i].bytes[b] = static_cast<uint8_t>(hexValue(hex[2 * b]) << 4 | hexValue(hex[2 * b + 1]));
    }
  }
  return out;
}();

// One DER header read by OpenSSL's ASN1_get_object; `content` is its value, and `p`
// moves past it. Only the canonical form passes: a definite length in its shortest
// encoding (ASN1_object_size is the size OpenSSL would encode), universal class.
bool readDerElement(const unsigned char*& p, const unsigned char* end, int wantTag,
                    bool constructed, std::span<const uint8_t>& content) {
  const unsigned char* start = p;
  long length = 0;
  int tag = 0;
  int cls = 0;
  const int flags = ASN1_get_object(&p, &length, &tag, &cls, end - p);
  if ((flags & 0x80) != 0 || (flags & 0x01) != 0 || cls != V_ASN1_UNIVERSAL || tag != wantTag ||
      ((flags & V_ASN1_CONSTRUCTED) != 0) != constructed || length > INT_MAX ||
      ASN1_object_size(constructed ? 1 : 0, static_cast<int>(length), tag) !=
          (p - start) + length) {
    return false;
  }
  content = {p, static_cast<size_t>(length)};
  p += length;
  return true;
}

using Asn1TypePtr = std::unique_ptr<ASN1_TYPE, OsslFree<ASN1_TYPE_free>>;
using Asn1ObjPtr = std::unique_ptr<ASN1_OBJECT, OsslFree<ASN1_OBJECT_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslFree<ASN1_OCTET_STRING_free>>;

const CurveInfo* curveByNid(int nid) {
  for (const auto& c : kCurves) {
    if (c.nid == nid) return &c;
  }
  return nullptr;
}

// Curve names that tools put in a PrintableString: OpenSSL short/long names, NIST
// names (P-256) and the two Edwards spellings.
int nidFromCurveName(std::string name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (lower == "edwards25519" || lower == "ed25519") return NID_ED25519;
  if (lower == "secp256r1") return NID_X9_62_prime256v1;
  if (int nid = EC_curve_nist2nid(name.c_str()); nid != NID_undef) return nid;
  return OBJ_txt2nid(name.c_str());
}

template <class T, class Encode>
Result<Bytes> encodeDer(T* object, Encode encode) {
  int len = encode(object, nullptr);
  if (len <= 0) return osslError("DER encode");
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (encode(object, &p) != len) return osslError("DER encode");
  return out;
}

}  // namespace

std::span<const CurveInfo> allCurves() { return kCurves; }

const CurveInfo* curveForKeyType(KeyType type) {
  for (const auto& c : kCurves) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool curveAvailable(const CurveInfo& curve, const nethsm::Capabilities& caps) {
  return caps.offersKeyType(curve.type);
}

Result<const CurveInfo*> curveFromEcParams(std::span<const uint8_t> ecParams) {
  const unsigned char* p = ecParams.data();
  Asn1TypePtr any(d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(ecParams.size())));
  if (!any || p != ecParams.data() + ecParams.size()) {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS is not DER");
  }
  int nid = NID_undef;
  std::string shown;
  if (any->type == V_ASN1_OBJECT) {
    nid = OBJ_obj2nid(any->value.object);
    char text[80] = {};
    OBJ_obj2txt(text, sizeof text, any->value.object, 1);
    shown = text;
  } else if (any->type == V_ASN1_PRINTABLESTRING || any->type == V_ASN1_UTF8STRING) {
    const ASN1_STRING* s = any->value.asn1_string;
    shown.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                 static_cast<size_t>(ASN1_STRING_length(s)));
    nid = nidFromCurveName(shown);
  } else {
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID,
                   "CKA_EC_PARAMS must be a named curve (OID or curve name)");
  }
  if (nid == NID_ED448 || shown == "edwards448" || shown == "1.3.101.113") {
    return ckError(CKR_CURVE_NOT_SUPPORTED, "Ed448 is not offered by the NetHSM");
  }
  const CurveInfo* curve = curveByNid(nid);
  if (!curve) return ckError(CKR_CURVE_NOT_SUPPORTED, "curve " + shown + " not offered");
  return curve;
}

Result<Bytes> ecParamsDer(const CurveInfo& curve) {
  Asn1ObjPtr oid(OBJ_nid2obj(curve.nid));
  if (!oid) return osslError("OBJ_nid2obj");
  return encodeDer(oid.get(),
                   [](ASN1_OBJECT* o, unsigned char** out) { return i2d_ASN1_OBJECT(o, out); });
}

Result<Bytes> octetStringDer(std::span<const uint8_t> point) {
  OctetPtr os(ASN1_OCTET_STRING_new());
  if (!os || ASN1_OCTET_STRING_set(os.get(), point.data(), static_cast<int>(point.size())) != 1) {
    return osslError("ASN1_OCTET_STRING_set");
  }
  return encodeDer(os.get(), [](ASN1_OCTET_STRING* o, unsigned char** out) {
    return i2d_ASN1_OCTET_STRING(o, out);
  });
}

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } read with OpenSSL's header
// parser rather than d2i_ECDSA_SIG: this runs for every ECDSA signature, and the
// template decoder with two BIGNUMs (and encoding again to prove the input canonical)
// cost 7,000 instructions of a P-256 signature's 150,000 (issue 11). The result is the
// same as d2i_ECDSA_SIG + i2d_ECDSA_SIG's length (tests/unit/mech/ecdsa_der_test.cpp).
Result<Bytes> ecdsaDerToRaw(std::span<const uint8_t> der, size_t fieldBytes) {
  const auto malformed = [] {
    return ckError(CKR_DEVICE_ERROR, "the appliance returned a malformed ECDSA signature");
  };
  const unsigned char* p = der.data();
  const unsigned char* const end = p + der.size();
  std::span<const uint8_t> sequence;
  if (!readDerElement(p, end, V_ASN1_SEQUENCE, true, sequence) || p != end) return malformed();
  Bytes raw(2 * fieldBytes, 0);
  const unsigned char* q = sequence.data();
  const unsigned char* const sequenceEnd = q + sequence.size();
  bool wider = false;
  for (size_t half = 0; half < 2; ++half) {
    std::span<const uint8_t> number;
    if (!readDerElement(q, sequenceEnd, V_ASN1_INTEGER, false, number)) return malformed();
    // X.690 §8.3: at least one byte, two's complement (r and s are positive), and no
    // leading byte that only repeats the sign of the next.
    if (number.empty() || (number[0] & 0x80) != 0 ||
        (number.size() > 1 && number[0] == 0 && (number[1] & 0x80) == 0)) {
      return malformed();
    }
    if (number.size() > 1 && number[0] == 0) number = number.subspan(1);
    if (number.size() > fieldBytes) {
      wider = true;
      continue;
    }
    std::copy(number.begin(), number.end(),
              raw.begin() + static_cast<long>((half + 1) * fieldBytes - number.size()));
  }
  if (q != sequenceEnd) return malformed();
  if (wider) return ckError(CKR_DEVICE_ERROR, "ECDSA signature wider than the curve");
  return raw;
}

Status checkEcdsaRange(const CurveInfo& curve, std::span<const uint8_t> raw) {
  const auto order = std::find_if(kOrderBytes.begin(), kOrderBytes.end(),
                                  [&](const OrderBytes& o) { return o.nid == curve.nid; });
  const std::optional<std::span<const uint8_t>> n =
      order != kOrderBytes.end()
          ? std::optional(std::span<const uint8_t>(order->bytes.data(), order->size))
          : std::nullopt;
  const size_t width = curve.fieldBytes;
  if (!n || n->size() != width || raw.size() != 2 * width) return osslError("ECDSA group order");
  for (size_t half = 0; half < 2; ++half) {
    auto v = raw.subspan(half * width, width);
    // Big-endian numbers of equal width compare as byte strings.
    if (std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; }) ||
        !std::lexicographical_compare(v.begin(), v.end(), n->begin(), n->end())) {
      return ckError(CKR_DEVICE_ERROR,
                     "the appliance returned an ECDSA signature with r or s outside [1, n - 1]");
    }
  }
  return okStatus();
}

Result<Bytes> ecdsaRawToDer(std::span<const uint8_t> raw) {
  int half = static_cast<int>(raw.size() / 2);
  BnPtr r(BN_bin2bn(raw.data(), half, nullptr));
  BnPtr s(BN_bin2bn(raw.data() + half, half, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return osslError("ECDSA_SIG_set0");
  }
  r.release();  // owned by sig now
  s.release();
  return encodeDer(sig.get(),
                   [](ECDSA_SIG* o, unsigned char** out) { return i2d_ECDSA_SIG(o, out); });
}

Bytes fitEcdsaInput(std::span<const uint8_t> input, size_t length) {
  if (input.size() >= length)
    return Bytes(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(length));
  Bytes out(length - input.size(), 0);
  out.insert(out.end(), input.begin(), input.end());
  return out;
}

}  // namespace p11nethsm::mech
