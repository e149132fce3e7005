#pragma once
// How one instance's TLS peer is verified (issue 4 §3): system CAs, a private CA
// bundle (ca_file), SHA-256 pins of the leaf certificate (sha256_fingerprints), or
// nothing (danger_insecure_cert). Applied to every curl easy handle of the instance.
#include <curl/curl.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace p11nethsm::transport {

struct TlsPolicy {
  bool insecure = false;
  std::vector<config::Sha256Fingerprint> pins;  // non-empty: pinning replaces CA/host checks
  std::optional<std::string> caFile;

  static TlsPolicy fromInstance(const config::InstanceConfig& instance);
};

// Sets the verification options on `handle`. `policy` must outlive the handle: the
// pinning callback reads it during every handshake.
CURLcode applyTlsPolicy(CURL* handle, const TlsPolicy& policy);

// "AB:CD:..." (the sha256_fingerprints format of the configuration).
std::string formatFingerprint(const config::Sha256Fingerprint& fingerprint);

}  // namespace p11nethsm::transport
