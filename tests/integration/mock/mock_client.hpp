#pragma once
// A small HTTPS client for the mock tests: one keep-alive httplib connection, Basic
// auth, JSON helpers, and OpenSSL verification of signatures against public.pem.
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "codec.hpp"
#include "mock_nethsm/mock.hpp"
#include "p11nethsm_test/provisioned_mock.hpp"

namespace p11nethsm::mock::testing {

using p11nethsm::testing::kAdminPassword;
using p11nethsm::testing::kOperatorPassword;
using p11nethsm::testing::kUnlockPassphrase;

struct Reply {
  int status = -1;  // -1: transport error (reset, closed, refused, timeout)
  std::string body;
  httplib::Headers headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  Client(const MockNetHsm& mock, size_t instance = 0) : client_("127.0.0.1", mock.port(instance)) {
    client_.enable_server_certificate_verification(false);
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_read_timeout(5, 0);
    client_.set_connection_timeout(2, 0);
  }
  Client& as(const std::string& user, const std::string& pass) {
    client_.set_basic_auth(user.c_str(), pass.c_str());
    return *this;
  }
  Client& admin() { return as("admin", kAdminPassword); }
  Client& op() { return as("operator", kOperatorPassword); }
  Client& anonymous() {
    client_.set_basic_auth("", "");
    client_.set_default_headers({});
    anon_ = true;
    return *this;
  }
  void setReadTimeout(int seconds) { client_.set_read_timeout(seconds, 0); }

  Reply get(const std::string& path, httplib::Headers headers = {}) {
    return wrap(client_.Get(full(path).c_str(), prep(headers)));
  }
  Reply del(const std::string& path) { return wrap(client_.Delete(full(path).c_str(), prep({}))); }
  Reply post(const std::string& path, const nlohmann::json& body) {
    return wrap(client_.Post(full(path).c_str(), prep({}), body.dump(), "application/json"));
  }
  Reply put(const std::string& path, const nlohmann::json& body) {
    return wrap(client_.Put(full(path).c_str(), prep({}), body.dump(), "application/json"));
  }
  Reply raw(const std::string& method, const std::string& path, const std::string& body,
            const std::string& contentType, httplib::Headers headers = {}) {
    httplib::Request req;
    req.method = method;
    req.path = full(path);
    req.headers = prep(headers);
    req.body = body;
    if (!contentType.empty()) req.set_header("Content-Type", contentType);
    return wrap(client_.send(req));
  }

 private:
  static std::string full(const std::string& path) {
    return path.rfind("/_mock", 0) == 0 ? path : "/api/v1" + path;
  }
  httplib::Headers prep(httplib::Headers h) {
    if (anon_) h.erase("Authorization");
    return h;
  }
  static Reply wrap(const httplib::Result& r) {
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.body = r->body;
    out.headers = r->headers;
    return out;
  }
  httplib::SSLClient client_;
  bool anon_ = false;
};

// Starts an in-process mock; `provisioned` adds admin and operator users.
inline std::unique_ptr<MockNetHsm> startMock(MockOptions options = {}, bool provisioned = true) {
  return p11nethsm::testing::startProvisionedMock(std::move(options), provisioned);
}

// Verifies `sig` over `data` with the SPKI PEM. `md` nullptr: raw (Ed25519 / digest).
inline bool verifySignature(const std::string& pem, const Bytes& data, const Bytes& sig,
                            int padding = 0, const EVP_MD* md = nullptr) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return false;
  bool ok = false;
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
  } else {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
    ok = EVP_PKEY_verify_init(ctx) == 1;
    if (ok && padding != 0) ok = EVP_PKEY_CTX_set_rsa_padding(ctx, padding) == 1;
    if (ok && md != nullptr) {
      ok = EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
           (padding != RSA_PKCS1_PSS_PADDING ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1);
    }
    ok = ok && EVP_PKEY_verify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
  }
  EVP_PKEY_free(pkey);
  return ok;
}

// SHA-256 fingerprint ("AB:CD:...") of the certificate the server presents on `port`.
inline std::string servedFingerprint(int port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_ssl_connect(ctx);
  std::string target = "127.0.0.1:" + std::to_string(port);
  BIO_set_conn_hostname(bio, target.c_str());
  std::string out;
  SSL* ssl = nullptr;
  BIO_get_ssl(bio, &ssl);
  if (BIO_do_connect(bio) == 1 && BIO_do_handshake(bio) == 1) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    out = hexEncode(Bytes(md, md + len), true, ':');
    X509_free(cert);
  }
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  return out;
}

inline Bytes digest(const EVP_MD* md, const std::string& text) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &len, md, nullptr);
  out.resize(len);
  return out;
}

}  // namespace p11nethsm::mock::testing
