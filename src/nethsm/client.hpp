#pragma once
// Typed NetHSM REST client: one method per endpoint the module uses. Knows nothing of
// PKCS#11. Each method picks the credentials its endpoint needs (BEHAVIOUR.md §2,
// "Who may call what") from the CredentialSource, maps HTTP status and transport
// outcome to an ErrorKind in one place (error.cpp), and sends 5.0-only fields only
// to firmware that has them (capabilities.hpp).
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nethsm/capabilities.hpp"
#include "nethsm/throttle.hpp"
#include "nethsm/types.hpp"
#include "transport/cluster.hpp"
#include "util/result.hpp"

namespace p11nethsm::nethsm {

// The credentials of one request (HTTP Basic), as core hands them over.
using BasicAuth = transport::BasicAuth;

// Supplies credentials per role at the moment of a request (config passwords or
// those given to C_Login). Must be thread-safe; returns a copy.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual std::optional<BasicAuth> credentialsFor(Role role) const = 0;
};

class Client {
 public:
  // Every request carries throttleRetry (throttle.hpp): the cluster's retry loop
  // waits a 429 out within the request's budget instead of reporting it.
  Client(transport::Cluster& cluster, const CredentialSource& credentials);

  // Public endpoints (no credentials).
  Result<VendorInfo> info();
  Result<std::string> healthState();  // "Operational", "Locked", ...

  // Administrator.
  Result<SystemInfo> systemInfo();

  // Checks that `auth` is valid and has `role` (GET /users/{name}); a wrong password
  // is kUnauthorized, a valid user with another role is kForbidden.
  Status verifyLogin(Role role, const transport::BasicAuth& auth);
  // POST /users/{id}/passphrase with `auth` (the user itself or an administrator).
  Status changePassphrase(const transport::BasicAuth& auth, const std::string& userId,
                          const SecretString& newPassphrase);

  // Keys (Operator, else Administrator).
  Result<std::vector<std::string>> listKeys();
  Result<std::vector<std::string>> listKeysByLabel(const std::string& label);  // ≥ 5.0
  Result<KeyInfo> getKey(const std::string& id);
  Result<std::string> publicKeyPem(const std::string& id);
  // nullopt when the key has no certificate (404).
  Result<std::optional<Bytes>> getCertificate(const std::string& id);

  // Crypto (Operator).
  Result<Bytes> sign(const std::string& id, SignMode mode, const Bytes& message);
  Result<Bytes> decrypt(const std::string& id, DecryptMode mode, const Bytes& data,
                        const std::optional<Bytes>& iv = std::nullopt);
  Result<EncryptResult> encryptAesCbc(const std::string& id, const Bytes& message,
                                      const std::optional<Bytes>& iv);
  // Any length; requested in chunks of at most 1024 bytes.
  Result<Bytes> random(size_t length);

  // Key management (Administrator). Generation and import are never repeated
  // blindly: the client chooses the ID when none is given and, after an ambiguous
  // failure, checks whether the key exists before trying again. Return the key ID.
  Result<std::string> generateKey(const GenerateKeyRequest& request);
  Result<std::string> importKey(const ImportKeyRequest& request);
  Status deleteKey(const std::string& id);
  Status moveKey(const std::string& id, const std::string& newId);   // ≥ 3.0
  Status setLabel(const std::string& id, const std::string& label);  // ≥ 5.0
  Status putCertificate(const std::string& id, const Bytes& certificate);
  Status deleteCertificate(const std::string& id);

  // What the firmware can do (capabilities.hpp), from its version: learnt from
  // /system/info when administrator credentials exist (asked at most once a minute
  // while unknown), otherwise assumedCapabilities() until known. No I/O when known.
  Capabilities capabilities();
  void setFirmwareVersion(FirmwareVersion v);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace p11nethsm::nethsm
