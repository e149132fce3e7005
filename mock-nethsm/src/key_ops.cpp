#include "key_ops.hpp"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "bip340.hpp"

namespace p11nethsm::mock {
namespace {

using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

const EVP_MD* hashBySuffix(const std::string& suffix) {
  if (suffix == "MD5") return EVP_md5();
  if (suffix == "SHA1") return EVP_sha1();
  if (suffix == "SHA224") return EVP_sha224();
  if (suffix == "SHA256") return EVP_sha256();
  if (suffix == "SHA384") return EVP_sha384();
  if (suffix == "SHA512") return EVP_sha512();
  return nullptr;
}

// RFC 8017 §9.2 note 1: DigestInfo prefixes, used only by the firmware-3.0 PKCS1 quirk.
Bytes digestInfoPrefix(size_t hashLen) {
  const char* hex = nullptr;
  switch (hashLen) {
    case 16:
      hex = "3020300c06082a864886f70d020505000410";
      break;
    case 20:
      hex = "3021300906052b0e03021a05000414";
      break;
    case 28:
      hex = "302d300d06096086480165030402040500041c";
      break;
    case 32:
      hex = "3031300d060960864801650304020105000420";
      break;
    case 48:
      hex = "3041300d060960864801650304020205000430";
      break;
    case 64:
      hex = "3051300d060960864801650304020305000440";
      break;
    default:
      return {};
  }
  return *hexDecode(hex);
}

OpResult fail(std::string message) {
  OpResult r;
  r.message = std::move(message);
  return r;
}

OpResult succeed(Bytes out) {
  OpResult r;
  r.ok = true;
  r.output = std::move(out);
  return r;
}

// One EVP_PKEY_sign / EVP_PKEY_decrypt call with a configured context.
template <typename Init, typename Run, typename Configure>
OpResult pkeyCall(EVP_PKEY* pkey, Init init, Run run, Configure configure, const Bytes& in,
                  const std::string& failure) {
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr), &EVP_PKEY_CTX_free);
  size_t len = 0;
  if (!ctx || init(ctx.get()) <= 0 || !configure(ctx.get()) ||
      run(ctx.get(), nullptr, &len, in.data(), in.size()) <= 0) {
    return fail(failure);
  }
  Bytes out(len);
  if (run(ctx.get(), out.data(), &len, in.data(), in.size()) <= 0) return fail(failure);
  out.resize(len);
  return succeed(std::move(out));
}

OpResult rsaSign(EVP_PKEY* pkey, int padding, const EVP_MD* md, const Bytes& in) {
  auto configure = [&](EVP_PKEY_CTX* ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, padding) <= 0) return false;
    if (md == nullptr) return true;
    return EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  };
  return pkeyCall(pkey, EVP_PKEY_sign_init, EVP_PKEY_sign, configure, in, "Signing failure.");
}

OpResult signRsa(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                 bool digestInfo) {
  size_t k = static_cast<size_t>(EVP_PKEY_get_size(key.pkey()));
  if (mode == "PKCS1") {
    Bytes data = input;
    if (digestInfo) {  // firmware 3.0: bare hash in, DigestInfo added by the server
      Bytes prefix = digestInfoPrefix(input.size());
      if (prefix.empty()) return fail("Signing failure: invalid digest length.");
      data.insert(data.begin(), prefix.begin(), prefix.end());
    }
    if (data.size() + 11 > k) return fail("Signing failure: RSA key too short.");
    return rsaSign(key.pkey(), RSA_PKCS1_PADDING, nullptr, data);
  }
  const EVP_MD* md = hashBySuffix(mode.substr(4));
  if (md == nullptr) return fail("Invalid sign mode.");
  if (input.size() != static_cast<size_t>(EVP_MD_get_size(md))) {
    return fail("Signing failure: digested data of invalid size.");
  }
  return rsaSign(key.pkey(), RSA_PKCS1_PSS_PADDING, md, input);
}

OpResult signEd25519(EVP_PKEY* pkey, const Bytes& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Bytes out(64);
  size_t len = out.size();
  bool ok = EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestSign(ctx, out.data(), &len, input.data(), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return fail("Signing failure.");
  out.resize(len);
  return succeed(std::move(out));
}

OpResult aesCbc(const KeyMaterial& key, const Bytes& input, const Bytes& iv, bool encrypt,
                const std::string& what) {
  const EVP_CIPHER* cipher = nullptr;
  switch (key.secret().size()) {
    case 16:
      cipher = EVP_aes_128_cbc();
      break;
    case 24:
      cipher = EVP_aes_192_cbc();
      break;
    case 32:
      cipher = EVP_aes_256_cbc();
      break;
    default:
      return fail(what + " failed: invalid AES key length");
  }
  if (iv.size() != 16) return fail(what + " failed: IV must be 16 bytes");
  if (input.size() % 16 != 0) return fail(what + " failed: data length not a multiple of 16");
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(input.size() + 16);
  int len1 = 0, len2 = 0;
  bool ok =
      EVP_CipherInit_ex(ctx, cipher, nullptr, key.secret().data(), iv.data(), encrypt ? 1 : 0) ==
          1 &&
      EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
      EVP_CipherUpdate(ctx, out.data(), &len1, input.data(), static_cast<int>(input.size())) == 1 &&
      EVP_CipherFinal_ex(ctx, out.data() + len1, &len2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return fail(what + " failed: cipher error");
  out.resize(static_cast<size_t>(len1 + len2));
  return succeed(std::move(out));
}

OpResult decryptRsa(const KeyMaterial& key, const std::string& mode, const Bytes& input) {
  size_t k = static_cast<size_t>(EVP_PKEY_get_size(key.pkey()));
  int padding = RSA_NO_PADDING;
  const EVP_MD* md = nullptr;
  Bytes in = input;
  if (mode == "RAW") {
    if (in.size() > k) return fail("Decryption failure");
    in.insert(in.begin(), k - in.size(), 0);  // an integer < n, left-padded to k
  } else if (mode == "PKCS1") {
    padding = RSA_PKCS1_PADDING;
  } else {
    padding = RSA_PKCS1_OAEP_PADDING;
    md = hashBySuffix(mode.substr(5));
    if (md == nullptr || in.size() != k) return fail("Decryption failure");
  }
  auto configure = [&](EVP_PKEY_CTX* ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, padding) <= 0) return false;
    if (md == nullptr) return true;
    return EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0;
  };
  OpResult r = pkeyCall(key.pkey(), EVP_PKEY_decrypt_init, EVP_PKEY_decrypt, configure, in,
                        "Decryption failure");
  if (r.ok && mode == "RAW" && r.output.size() < k) {
    r.output.insert(r.output.begin(), k - r.output.size(), 0);
  }
  return r;
}

bool addName(X509_NAME* name, const nlohmann::json& dn, const char* field, const char* sn) {
  if (!dn.contains(field)) return true;
  if (!dn[field].is_string()) return false;
  std::string v = dn[field].get<std::string>();
  return X509_NAME_add_entry_by_txt(name, sn, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(v.data()),
                                    static_cast<int>(v.size()), -1, 0) == 1;
}

std::string sanList(const nlohmann::json& dn, const std::string& cn) {
  if (!dn.contains("subjectAltNames")) return "DNS:" + cn;
  std::string out;
  for (const auto& v : dn["subjectAltNames"]) {
    if (!v.is_string()) continue;
    std::string s = v.get<std::string>();
    if (!out.empty()) out += ",";
    out += s.rfind("IP:", 0) == 0 ? s : "DNS:" + s;
  }
  return out;
}

}  // namespace

std::string signMechanism(const std::string& mode) {
  if (mode == "PKCS1") return "RSA_Signature_PKCS1";
  if (mode.rfind("PSS_", 0) == 0 && hashBySuffix(mode.substr(4))) return "RSA_Signature_" + mode;
  if (mode == "EdDSA") return "EdDSA_Signature";
  if (mode == "ECDSA") return "ECDSA_Signature";
  if (mode == "BIP340") return "BIP340_Signature";
  return "";
}

std::string decryptMechanism(const std::string& mode) {
  if (mode == "RAW" || mode == "PKCS1") return "RSA_Decryption_" + mode;
  if (mode.rfind("OAEP_", 0) == 0 && hashBySuffix(mode.substr(5))) return "RSA_Decryption_" + mode;
  if (mode == "AES_CBC") return "AES_Decryption_CBC";
  return "";
}

std::string encryptMechanism(const std::string& mode) {
  return mode == "AES_CBC" ? "AES_Encryption_CBC" : "";
}

OpResult signData(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                  bool pkcs1DigestInfo) {
  KeyType t = key.type();
  if (t == KeyType::kRsa && (mode == "PKCS1" || mode.rfind("PSS_", 0) == 0)) {
    return signRsa(key, mode, input, pkcs1DigestInfo);
  }
  if (t == KeyType::kCurve25519 && mode == "EdDSA") return signEd25519(key.pkey(), input);
  if (isEcType(t) && mode == "ECDSA") {
    if (input.size() != ecdsaDigestBytes(t))
      return fail("Signing failure: digested data of invalid size.");
    auto none = [](EVP_PKEY_CTX*) { return true; };
    return pkeyCall(key.pkey(), EVP_PKEY_sign_init, EVP_PKEY_sign, none, input, "Signing failure.");
  }
  if (t == KeyType::kEcP256K1 && mode == "BIP340") {
    auto sig = bip340Sign(key.pkey(), input);
    return sig ? succeed(std::move(*sig)) : fail("Signing failure.");
  }
  return fail("Signing failure: invalid mode for key type.");
}

OpResult decryptData(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                     const std::optional<Bytes>& iv) {
  if (key.type() == KeyType::kRsa && mode != "AES_CBC") return decryptRsa(key, mode, input);
  if (key.type() == KeyType::kGeneric && mode == "AES_CBC") {
    if (!iv) return fail("AES-CBC decrypt requires IV");
    return aesCbc(key, input, *iv, false, "Decryption");
  }
  return fail("Decryption failure: invalid mode for key type.");
}

OpResult encryptData(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                     const std::optional<Bytes>& iv) {
  if (key.type() != KeyType::kGeneric || mode != "AES_CBC") {
    return fail("Encryption failed: invalid mode for key type.");
  }
  Bytes useIv = iv ? *iv : randomBytes(16);
  OpResult r = aesCbc(key, input, useIv, true, "Encryption");
  r.iv = useIv;
  return r;
}

OpResult makeCsr(const KeyMaterial& key, const nlohmann::json& dn) {
  if (key.type() == KeyType::kGeneric) return fail("Generic keys have no CSR.");
  if (!dn.is_object() || !dn.contains("commonName") || !dn["commonName"].is_string() ||
      dn["commonName"].get<std::string>().empty()) {
    return fail("commonName is required.");
  }
  X509_REQ* req = X509_REQ_new();
  X509_NAME* name = X509_REQ_get_subject_name(req);
  bool ok =
      addName(name, dn, "countryName", "C") && addName(name, dn, "stateOrProvinceName", "ST") &&
      addName(name, dn, "localityName", "L") && addName(name, dn, "organizationName", "O") &&
      addName(name, dn, "organizationalUnitName", "OU") && addName(name, dn, "commonName", "CN") &&
      addName(name, dn, "emailAddress", "emailAddress");
  std::string san = sanList(dn, dn["commonName"].get<std::string>());
  if (ok && !san.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    ok = ext != nullptr && sk_X509_EXTENSION_push(exts, ext) > 0 &&
         X509_REQ_add_extensions(req, exts) == 1;
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  const EVP_MD* md = key.type() == KeyType::kCurve25519 ? nullptr : EVP_sha256();
  ok = ok && X509_REQ_set_version(req, 0) == 1 && X509_REQ_set_pubkey(req, key.pkey()) == 1 &&
       X509_REQ_sign(req, key.pkey(), md) > 0;
  OpResult r = fail("CSR generation failed.");
  if (ok) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(bio, req);
    r = succeed(toBytes(drainBio(bio)));
  }
  X509_REQ_free(req);
  return r;
}

}  // namespace p11nethsm::mock
