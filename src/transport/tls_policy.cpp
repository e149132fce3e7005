#include "transport/tls_policy.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

#include "log/log.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::transport {

namespace {

// Replaces OpenSSL's chain verification for pinned instances: the handshake
// succeeds only when the leaf's DER SHA-256 equals a pin. It runs inside the
// handshake, so a mismatch aborts the connection before any request byte (Basic
// auth included) is written.
int verifyLeafPin(X509_STORE_CTX* store, void* arg) {
  const auto* policy = static_cast<const TlsPolicy*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (leaf == nullptr || X509_digest(leaf, EVP_sha256(), digest, &length) != 1 || length != 32) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  const bool match = std::any_of(policy->pins.begin(), policy->pins.end(),
                                 [&](const config::Sha256Fingerprint& pin) {
                                   return std::memcmp(pin.data(), digest, 32) == 0;
                                 });
  if (match) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  config::Sha256Fingerprint seen{};
  std::memcpy(seen.data(), digest, 32);
  log::warn("TLS: server certificate fingerprint " + formatFingerprint(seen) +
            " matches no sha256_fingerprints entry; connection refused");
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

// CURLOPT_SSL_CTX_FUNCTION: curl calls it after its own SSL_CTX set-up (which set
// SSL_VERIFY_NONE because VERIFYPEER is off), so the verify mode set here wins.
CURLcode installPinVerifier(CURL* /*handle*/, void* sslCtx, void* policy) {
  auto* ctx = static_cast<SSL_CTX*>(sslCtx);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verifyLeafPin, policy);
  return CURLE_OK;
}

}  // namespace

TlsPolicy TlsPolicy::fromInstance(const config::InstanceConfig& instance) {
  TlsPolicy policy;
  policy.insecure = instance.dangerInsecureCert;
  policy.pins = instance.sha256Fingerprints;
  policy.caFile = instance.caFile;
  return policy;
}

CURLcode applyTlsPolicy(CURL* handle, const TlsPolicy& policy) {
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  if (policy.insecure) {
    set(curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L));
    set(curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L));
    return rc;
  }
  if (!policy.pins.empty()) {
    // The pin replaces CA and host-name checks (the documented meaning of
    // sha256_fingerprints: self-signed appliance certificates).
    set(curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L));
    set(curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L));
    set(curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, &installPinVerifier));
    set(curl_easy_setopt(handle, CURLOPT_SSL_CTX_DATA, const_cast<TlsPolicy*>(&policy)));
    return rc;
  }
  set(curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L));
  if (policy.caFile) set(curl_easy_setopt(handle, CURLOPT_CAINFO, policy.caFile->c_str()));
  return rc;
}

std::string formatFingerprint(const config::Sha256Fingerprint& fingerprint) {
  return hexEncode(fingerprint.data(), fingerprint.size(), true, ':');
}

}  // namespace p11nethsm::transport
