#pragma once
// The TLS server identity of an instance: loaded from PEM files or a fresh self-signed
// P-256 certificate for 127.0.0.1, ::1 and localhost.
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>

#include "key_material.hpp"

namespace p11nethsm::mock {

struct TlsIdentity {
  std::shared_ptr<X509> cert;
  PkeyPtr key;

  // A self-signed certificate for `key` (a fresh P-256 key when null).
  static std::optional<TlsIdentity> selfSigned(PkeyPtr key = nullptr);
  static std::optional<TlsIdentity> fromFiles(const std::string& certFile,
                                              const std::string& keyFile, std::string& error);
  // SHA-256 of the DER certificate, "AB:CD:…" (the sha256_fingerprints format).
  std::string fingerprint() const;
  std::string certificatePem() const;
};

}  // namespace p11nethsm::mock
