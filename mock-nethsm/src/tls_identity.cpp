#include "tls_identity.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace p11nethsm::mock {
namespace {

std::shared_ptr<X509> wrapX509(X509* x) { return std::shared_ptr<X509>(x, &X509_free); }

bool addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

std::optional<TlsIdentity> TlsIdentity::selfSigned(PkeyPtr key) {
  TlsIdentity id;
  id.key = key ? key : wrapPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1"));
  id.cert = wrapX509(X509_new());
  if (!id.key || !id.cert) return std::nullopt;
  X509* x = id.cert.get();
  Bytes serial = randomBytes(16);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_set_version(x, 2);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("mock-nethsm"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, id.key.get());
  bool ok = addExtension(x, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") &&
            addExtension(x, NID_basic_constraints, "critical,CA:FALSE") &&
            X509_sign(x, id.key.get(),
                      EVP_PKEY_get_base_id(id.key.get()) == EVP_PKEY_ED25519 ? nullptr
                                                                             : EVP_sha256()) > 0;
  if (!ok) return std::nullopt;
  return id;
}

std::optional<TlsIdentity> TlsIdentity::fromFiles(const std::string& certFile,
                                                  const std::string& keyFile, std::string& error) {
  TlsIdentity id;
  FILE* f = std::fopen(certFile.c_str(), "r");
  if (f != nullptr) {
    id.cert = wrapX509(PEM_read_X509(f, nullptr, nullptr, nullptr));
    std::fclose(f);
  }
  f = std::fopen(keyFile.c_str(), "r");
  if (f != nullptr) {
    id.key = wrapPkey(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
  }
  if (!id.cert || !id.key) {
    error = "cannot read TLS certificate " + certFile + " or key " + keyFile;
    return std::nullopt;
  }
  if (X509_check_private_key(id.cert.get(), id.key.get()) != 1) {
    error = "TLS key " + keyFile + " does not match certificate " + certFile;
    return std::nullopt;
  }
  return id;
}

std::string TlsIdentity::fingerprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &len);
  return hexEncode(Bytes(md, md + len), true, ':');
}

std::string TlsIdentity::certificatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert.get());
  return drainBio(bio);
}

}  // namespace p11nethsm::mock
