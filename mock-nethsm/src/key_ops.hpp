#pragma once
// The private-key operations of POST /keys/{id}/sign|decrypt|encrypt and csr.pem
// with the firmware's exact input rules (BEHAVIOUR.md §6). Every failure is a 400
// with the returned message.
#include <optional>
#include <string>

#include "key_material.hpp"

namespace p11nethsm::mock {

struct OpResult {
  bool ok = false;
  Bytes output;
  Bytes iv;             // encrypt: the IV used
  std::string message;  // error text for the 400 body
};

// Mechanism name the mode needs, e.g. "PSS_SHA256" → "RSA_Signature_PSS_SHA256";
// empty for an unknown mode.
std::string signMechanism(const std::string& mode);
std::string decryptMechanism(const std::string& mode);
std::string encryptMechanism(const std::string& mode);

// `pkcs1DigestInfo`: firmware 3.0 expects a bare hash for PKCS1 and adds DigestInfo.
OpResult signData(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                  bool pkcs1DigestInfo);
OpResult decryptData(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                     const std::optional<Bytes>& iv);
OpResult encryptData(const KeyMaterial& key, const std::string& mode, const Bytes& input,
                     const std::optional<Bytes>& iv);
// POST /keys/{id}/csr.pem: DistinguishedName JSON → PEM CSR.
OpResult makeCsr(const KeyMaterial& key, const nlohmann::json& dn);

}  // namespace p11nethsm::mock
