#pragma once
// What an instance's TLS looks like, seen apart from the module's own policy: the
// leaf certificate's SHA-256 fingerprint (the sha256_fingerprints format) and the
// result of libcurl's CA and host-name verification with the instance's ca_file (or
// the system CA store). Sends only GET /health/state, without credentials.
#include <optional>
#include <string>

#include "config/config.hpp"

namespace p11nethsm::check {

struct TlsProbe {
  bool connected = false;     // TCP + TLS handshake done (whatever the certificate)
  std::string connectError;   // why not: libcurl's short message (stable)
  std::string connectDetail;  // and its detailed one (addresses, timings)
  std::optional<config::Sha256Fingerprint> fingerprint;
  bool caVerified = false;
  std::string caError;  // libcurl's verification messages when !caVerified
};

TlsProbe probeTls(const config::InstanceConfig& instance, const config::SlotConfig& slot);

}  // namespace p11nethsm::check
