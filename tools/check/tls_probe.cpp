#include "check/tls_probe.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

namespace p11nethsm::check {

namespace {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

size_t discardBody(char*, size_t size, size_t count, void*) { return size * count; }

// One GET /health/state; returns curl's code and fills `error` with its short
// message and `detail` with the longer one.
CURLcode getState(CURL* h, const config::InstanceConfig& instance, const config::SlotConfig& slot,
                  std::string& error, std::string& detail) {
  char buffer[CURL_ERROR_SIZE] = {0};
  const std::string url = instance.url + "/health/state";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discardBody);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, long(slot.connectTimeoutSeconds));
  curl_easy_setopt(h, CURLOPT_TIMEOUT, long(slot.timeoutSeconds));
  const CURLcode code = curl_easy_perform(h);
  error = curl_easy_strerror(code);
  detail = buffer[0] != '\0' ? std::string(buffer) : error;
  return code;
}

// The leaf certificate from CURLINFO_CERTINFO ("Cert:" holds it in PEM).
std::optional<config::Sha256Fingerprint> leafFingerprint(CURL* h) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
      info->num_of_certs < 1) {
    return std::nullopt;
  }
  for (curl_slist* item = info->certinfo[0]; item != nullptr; item = item->next) {
    if (std::strncmp(item->data, "Cert:", 5) != 0) continue;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(item->data + 5, -1), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    config::Sha256Fingerprint fp{};
    unsigned int length = 0;
    if (cert && X509_digest(cert.get(), EVP_sha256(), fp.data(), &length) == 1 &&
        length == fp.size()) {
      return fp;
    }
  }
  return std::nullopt;
}

}  // namespace

TlsProbe probeTls(const config::InstanceConfig& instance, const config::SlotConfig& slot) {
  TlsProbe probe;
  CurlHandle observe(curl_easy_init());
  CurlHandle verify(curl_easy_init());
  if (!observe || !verify) {
    probe.connectError = "libcurl could not create a handle";
    return probe;
  }
  // 1. Any certificate: is the instance there, and which certificate does it show?
  curl_easy_setopt(observe.get(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(observe.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(observe.get(), CURLOPT_CERTINFO, 1L);
  const CURLcode seen =
      getState(observe.get(), instance, slot, probe.connectError, probe.connectDetail);
  probe.connected = seen == CURLE_OK;
  if (!probe.connected) return probe;
  probe.connectError.clear();
  probe.connectDetail.clear();
  probe.fingerprint = leafFingerprint(observe.get());
  // 2. The CA and host-name check the module does when nothing is pinned.
  curl_easy_setopt(verify.get(), CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(verify.get(), CURLOPT_SSL_VERIFYHOST, 2L);
  if (instance.caFile) curl_easy_setopt(verify.get(), CURLOPT_CAINFO, instance.caFile->c_str());
  std::string caDetail;
  probe.caVerified = getState(verify.get(), instance, slot, probe.caError, caDetail) == CURLE_OK;
  probe.caError = probe.caVerified ? std::string() : probe.caError + " (" + caDetail + ")";
  return probe;
}

}  // namespace p11nethsm::check
