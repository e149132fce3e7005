#include "key_material.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <array>

namespace p11nethsm::mock {
namespace {

struct TypeInfo {
  KeyType type;
  const char* name;
  const char* curve;  // OpenSSL group name, nullptr if not EC
  size_t fieldBytes;
  size_t digestBytes;
};

constexpr std::array<TypeInfo, 11> kTypes{{
    {KeyType::kRsa, "RSA", nullptr, 0, 0},
    {KeyType::kCurve25519, "Curve25519", nullptr, 32, 0},
    {KeyType::kEcP224, "EC_P224", "secp224r1", 28, 28},
    {KeyType::kEcP256, "EC_P256", "prime256v1", 32, 32},
    {KeyType::kEcP384, "EC_P384", "secp384r1", 48, 48},
    {KeyType::kEcP521, "EC_P521", "secp521r1", 66, 64},
    {KeyType::kEcP256K1, "EC_P256K1", "secp256k1", 32, 32},
    {KeyType::kBrainpoolP256, "BrainpoolP256", "brainpoolP256r1", 32, 32},
    {KeyType::kBrainpoolP384, "BrainpoolP384", "brainpoolP384r1", 48, 48},
    {KeyType::kBrainpoolP512, "BrainpoolP512", "brainpoolP512r1", 64, 64},
    {KeyType::kGeneric, "Generic", nullptr, 0, 0},
}};

const TypeInfo& info(KeyType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return t;
  }
  return kTypes.back();
}

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_clear_free)>;
BnPtr bn(BIGNUM* b) { return BnPtr(b, &BN_clear_free); }
BnPtr bnFromBytes(const Bytes& b) {
  return bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
}

Bytes bnToBytes(const BIGNUM* b) {
  Bytes out(static_cast<size_t>(BN_num_bytes(b)));
  BN_bn2bin(b, out.data());
  return out;
}

std::optional<Bytes> b64Field(const nlohmann::json& obj, const char* name) {
  if (!obj.is_object() || !obj.contains(name) || !obj[name].is_string()) return std::nullopt;
  return base64Decode(obj[name].get<std::string>());
}

PkeyPtr fromParams(const char* keyType, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, keyType, nullptr);
  if (ctx != nullptr && params != nullptr && EVP_PKEY_fromdata_init(ctx) > 0) {
    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params);
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return wrapPkey(pkey);
}

const char* opensslKeyType(KeyType type) {
  if (type == KeyType::kRsa) return "RSA";
  if (type == KeyType::kCurve25519) return "ED25519";
  return "EC";
}

// {"name": {"u": hex} | {"i": n} | {"s": text} | {"o": hex}} by OSSL_PARAM data type.
nlohmann::json storedParams(const EVP_PKEY* pkey) {
  nlohmann::json out = nlohmann::json::object();
  OSSL_PARAM* params = nullptr;
  if (EVP_PKEY_todata(pkey, EVP_PKEY_KEYPAIR, &params) != 1) return out;
  for (const OSSL_PARAM* p = params; p->key != nullptr; ++p) {
    if (p->data_type == OSSL_PARAM_UNSIGNED_INTEGER) {
      BIGNUM* value = nullptr;
      if (OSSL_PARAM_get_BN(p, &value) == 1) out[p->key] = {{"u", hexEncode(bnToBytes(value))}};
      BN_clear_free(value);
    } else if (p->data_type == OSSL_PARAM_INTEGER) {
      int64_t value = 0;
      if (OSSL_PARAM_get_int64(p, &value) == 1) out[p->key] = {{"i", value}};
    } else if (p->data_type == OSSL_PARAM_UTF8_STRING) {
      out[p->key] = {{"s", std::string(static_cast<const char*>(p->data), p->data_size)}};
    } else if (p->data_type == OSSL_PARAM_OCTET_STRING) {
      const auto* data = static_cast<const uint8_t*>(p->data);
      out[p->key] = {{"o", hexEncode(Bytes(data, data + p->data_size))}};
    }
  }
  OSSL_PARAM_free(params);
  return out;
}

PkeyPtr pkeyFromStoredParams(const char* keyType, const nlohmann::json& stored) {
  if (!stored.is_object()) return nullptr;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<BnPtr> numbers;  // must outlive OSSL_PARAM_BLD_to_param
  std::vector<Bytes> octets;
  std::vector<std::string> texts;
  octets.reserve(stored.size());
  texts.reserve(stored.size());
  bool ok = bld != nullptr;
  for (const auto& [name, value] : stored.items()) {
    if (!ok) break;
    if (!value.is_object()) {
      ok = false;
    } else if (value.contains("u")) {
      auto bytes = hexDecode(value["u"].get<std::string>());
      numbers.push_back(bytes ? bnFromBytes(*bytes) : bn(nullptr));
      ok = numbers.back() && OSSL_PARAM_BLD_push_BN(bld, name.c_str(), numbers.back().get()) == 1;
    } else if (value.contains("i")) {
      ok = OSSL_PARAM_BLD_push_int64(bld, name.c_str(), value["i"].get<int64_t>()) == 1;
    } else if (value.contains("s")) {
      texts.push_back(value["s"].get<std::string>());
      ok = OSSL_PARAM_BLD_push_utf8_string(bld, name.c_str(), texts.back().c_str(),
                                           texts.back().size()) == 1;
    } else if (value.contains("o")) {
      auto bytes = hexDecode(value["o"].get<std::string>());
      octets.push_back(bytes.value_or(Bytes()));
      ok = bytes && OSSL_PARAM_BLD_push_octet_string(bld, name.c_str(), octets.back().data(),
                                                     octets.back().size()) == 1;
    } else {
      ok = false;
    }
  }
  PkeyPtr pkey = ok ? fromParams(keyType, bld) : nullptr;
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

// RSA import: the firmware takes only p, q and e and derives the rest (CRT form).
PkeyPtr rsaFromPrimes(const Bytes& p, const Bytes& q, const Bytes& e) {
  BnPtr bp = bnFromBytes(p), bq = bnFromBytes(q), be = bnFromBytes(e);
  BnPtr n = bn(BN_new()), d = bn(BN_new()), p1 = bn(BN_new()), q1 = bn(BN_new());
  BnPtr phi = bn(BN_new()), dp = bn(BN_new()), dq = bn(BN_new()), qinv = bn(BN_new());
  BN_CTX* ctx = BN_CTX_new();
  bool ok =
      BN_mul(n.get(), bp.get(), bq.get(), ctx) && BN_sub(p1.get(), bp.get(), BN_value_one()) &&
      BN_sub(q1.get(), bq.get(), BN_value_one()) && BN_mul(phi.get(), p1.get(), q1.get(), ctx) &&
      BN_mod_inverse(d.get(), be.get(), phi.get(), ctx) != nullptr &&
      BN_mod(dp.get(), d.get(), p1.get(), ctx) && BN_mod(dq.get(), d.get(), q1.get(), ctx) &&
      BN_mod_inverse(qinv.get(), bq.get(), bp.get(), ctx) != nullptr;
  BN_CTX_free(ctx);
  if (!ok || BN_num_bits(n.get()) < 1024 || BN_num_bits(n.get()) > 8192) return nullptr;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, bp.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, bq.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get());
  PkeyPtr key = fromParams("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

// EC import: raw big-endian scalar of the curve's byte length; public point derived.
PkeyPtr ecFromScalar(const char* curve, const Bytes& scalar) {
  int nid = OBJ_sn2nid(curve);
  if (nid == NID_undef) nid = OBJ_ln2nid(curve);
  EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
  if (group == nullptr) return nullptr;
  BnPtr priv = bnFromBytes(scalar);
  EC_POINT* pub = EC_POINT_new(group);
  Bytes point;
  bool ok = !BN_is_zero(priv.get()) && BN_cmp(priv.get(), EC_GROUP_get0_order(group)) < 0 &&
            EC_POINT_mul(group, pub, priv.get(), nullptr, nullptr, nullptr) == 1;
  if (ok) {
    point.resize(
        EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, nullptr, 0, nullptr));
    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                       nullptr);
  }
  EC_POINT_free(pub);
  EC_GROUP_free(group);
  if (!ok) return nullptr;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  PkeyPtr key = fromParams("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

std::optional<KeyType> typeOfPkey(EVP_PKEY* pkey) {
  int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_RSA) return KeyType::kRsa;
  if (id == EVP_PKEY_ED25519) return KeyType::kCurve25519;
  if (id != EVP_PKEY_EC) return std::nullopt;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) != 1) return std::nullopt;
  for (const auto& t : kTypes) {
    if (t.curve != nullptr && std::string(t.curve) == group) return t.type;
  }
  if (std::string(group) == "P-256") return KeyType::kEcP256;
  if (std::string(group) == "P-384") return KeyType::kEcP384;
  if (std::string(group) == "P-521") return KeyType::kEcP521;
  return std::nullopt;
}

int noPassword(char*, int, int, void*) { return -1; }

}  // namespace

PkeyPtr wrapPkey(EVP_PKEY* pkey) { return PkeyPtr(pkey, &EVP_PKEY_free); }

std::optional<KeyType> parseKeyType(const std::string& name) {
  for (const auto& t : kTypes) {
    if (name == t.name) return t.type;
  }
  return std::nullopt;
}

std::string keyTypeName(KeyType type) { return info(type).name; }
bool isEcType(KeyType type) { return info(type).curve != nullptr; }
size_t ecFieldBytes(KeyType type) { return info(type).fieldBytes; }
size_t ecdsaDigestBytes(KeyType type) { return info(type).digestBytes; }

std::optional<KeyMaterial> KeyMaterial::generate(KeyType type, int lengthBits, std::string& error) {
  KeyMaterial km;
  km.type_ = type;
  if (type == KeyType::kGeneric) {
    if (lengthBits < 128 || lengthBits > 8192) {
      error = "Length must be between 128 and 8192 bits.";
      return std::nullopt;
    }
    km.secret_ = randomBytes(static_cast<size_t>((lengthBits + 7) / 8));
    return km;
  }
  EVP_PKEY* pkey = nullptr;
  if (type == KeyType::kRsa) {
    if (lengthBits < 1024 || lengthBits > 8192) {
      error = "RSA key length must be between 1024 and 8192.";
      return std::nullopt;
    }
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(lengthBits));
  } else if (type == KeyType::kCurve25519) {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info(type).curve);
  }
  if (pkey == nullptr) {
    error = "Key generation failed.";
    return std::nullopt;
  }
  km.pkey_ = wrapPkey(pkey);
  return km;
}

std::optional<KeyMaterial> KeyMaterial::fromJson(KeyType type, const nlohmann::json& priv,
                                                 std::string& error) {
  KeyMaterial km;
  km.type_ = type;
  error = "Invalid private key data.";
  if (type == KeyType::kRsa) {
    auto p = b64Field(priv, "primeP"), q = b64Field(priv, "primeQ"),
         e = b64Field(priv, "publicExponent");
    if (!p || !q || !e) return std::nullopt;
    km.pkey_ = rsaFromPrimes(*p, *q, *e);
  } else {
    auto data = b64Field(priv, "data");
    if (!data) return std::nullopt;
    if (type == KeyType::kGeneric) {
      if (data->empty()) return std::nullopt;
      km.secret_ = *data;
      return km;
    }
    if (type == KeyType::kCurve25519) {
      if (data->size() != 32) return std::nullopt;
      km.pkey_ =
          wrapPkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, data->data(), 32));
    } else {
      if (data->size() != ecFieldBytes(type)) return std::nullopt;
      km.pkey_ = ecFromScalar(info(type).curve, *data);
    }
  }
  if (!km.pkey_) return std::nullopt;
  return km;
}

std::optional<KeyMaterial> KeyMaterial::fromPem(const std::string& pem, std::string& error) {
  error = "Invalid PEM private key.";
  if (pem.find("ENCRYPTED") != std::string::npos) return std::nullopt;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, &noPassword, nullptr);
  bool extra = pkey != nullptr && pem.find("-----BEGIN", pem.find("-----END")) != std::string::npos;
  BIO_free(bio);
  KeyMaterial km;
  km.pkey_ = wrapPkey(pkey);
  if (!km.pkey_ || extra) return std::nullopt;  // exactly one key
  auto type = typeOfPkey(pkey);
  if (!type) return std::nullopt;
  km.type_ = *type;
  return km;
}

std::optional<KeyMaterial> KeyMaterial::fromPkey(PkeyPtr pkey) {
  auto type = pkey ? typeOfPkey(pkey.get()) : std::nullopt;
  if (!type) return std::nullopt;
  KeyMaterial km;
  km.type_ = *type;
  km.pkey_ = std::move(pkey);
  return km;
}

// Stored as the key's OpenSSL parameters (EVP_PKEY_todata): loading them back with
// EVP_PKEY_fromdata takes microseconds, where OpenSSL 3's PEM decoder takes about a
// millisecond per key (10,000 keys: seconds instead of minutes). "pem" is still read
// for state files written before.
std::optional<KeyMaterial> KeyMaterial::fromStorage(const nlohmann::json& stored) {
  auto type = parseKeyType(stored.value("type", ""));
  if (!type) return std::nullopt;
  KeyMaterial km;
  km.type_ = *type;
  if (*type == KeyType::kGeneric) {
    auto secret = hexDecode(stored.value("secret", ""));
    if (!secret) return std::nullopt;
    km.secret_ = *secret;
    return km;
  }
  if (stored.contains("params")) {
    km.pkey_ = pkeyFromStoredParams(opensslKeyType(*type), stored["params"]);
  } else {
    std::string pem = stored.value("pem", "");
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    km.pkey_ = wrapPkey(PEM_read_bio_PrivateKey(bio, nullptr, &noPassword, nullptr));
    BIO_free(bio);
  }
  if (!km.pkey_) return std::nullopt;
  return km;
}

nlohmann::json KeyMaterial::toStorage() const {
  nlohmann::json out{{"type", keyTypeName(type_)}};
  if (type_ == KeyType::kGeneric) {
    out["secret"] = hexEncode(secret_);
    return out;
  }
  out["params"] = storedParams(pkey_.get());
  return out;
}

int KeyMaterial::bits() const {
  if (type_ == KeyType::kGeneric) return static_cast<int>(secret_.size() * 8);
  return EVP_PKEY_get_bits(pkey_.get());
}

nlohmann::json KeyMaterial::publicJson() const {
  if (type_ == KeyType::kGeneric) return nullptr;
  if (type_ == KeyType::kRsa) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, &e);
    nlohmann::json out{{"modulus", base64Encode(bnToBytes(n))},
                       {"publicExponent", base64Encode(bnToBytes(e))}};
    BN_free(n);
    BN_free(e);
    return out;
  }
  Bytes data(200);
  size_t len = 0;
  if (type_ == KeyType::kCurve25519) {
    len = data.size();
    EVP_PKEY_get_raw_public_key(pkey_.get(), data.data(), &len);
  } else {
    EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, data.data(),
                                    data.size(), &len);
  }
  data.resize(len);
  return nlohmann::json{{"data", base64Encode(data)}};
}

std::optional<std::string> KeyMaterial::publicPem() const {
  if (type_ == KeyType::kGeneric) return std::nullopt;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey_.get());
  return drainBio(bio);
}

}  // namespace p11nethsm::mock
