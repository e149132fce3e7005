#pragma once
// Key material of one NetHSM key (NetHSM API "KeyType"): generation, import as JSON
// or PEM, the public part as the API shows it, and persistence. OpenSSL 3 EVP only.
#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "codec.hpp"

namespace p11nethsm::mock {

enum class KeyType {
  kRsa,
  kCurve25519,
  kEcP224,  // firmware ≤ 2.2 only
  kEcP256,
  kEcP384,
  kEcP521,
  kEcP256K1,
  kBrainpoolP256,
  kBrainpoolP384,
  kBrainpoolP512,
  kGeneric
};

std::optional<KeyType> parseKeyType(const std::string& name);
std::string keyTypeName(KeyType type);
bool isEcType(KeyType type);  // the ECDSA curves (not Curve25519)
// Byte length of an EC private scalar / coordinate; 0 for non-EC types.
size_t ecFieldBytes(KeyType type);
// ECDSA input the firmware requires: the digest size it pairs with the curve.
size_t ecdsaDigestBytes(KeyType type);

using PkeyPtr = std::shared_ptr<EVP_PKEY>;
PkeyPtr wrapPkey(EVP_PKEY* pkey);

class KeyMaterial {
 public:
  // `lengthBits`: RSA modulus or Generic secret size; ignored for EC/Ed types.
  static std::optional<KeyMaterial> generate(KeyType type, int lengthBits, std::string& error);
  // POST/PUT /keys JSON "private" object (primeP/primeQ/publicExponent or data).
  static std::optional<KeyMaterial> fromJson(KeyType type, const nlohmann::json& priv,
                                             std::string& error);
  // Multipart import: PKCS#1, SEC1 or PKCS#8 PEM, unencrypted.
  static std::optional<KeyMaterial> fromPem(const std::string& pem, std::string& error);
  static std::optional<KeyMaterial> fromStorage(const nlohmann::json& stored);
  // An existing key (e.g. the TLS key); nullopt for unsupported key types.
  static std::optional<KeyMaterial> fromPkey(PkeyPtr pkey);

  nlohmann::json toStorage() const;
  KeyType type() const { return type_; }
  int bits() const;
  // GET /keys/{id} "public"; null for Generic (the field is absent).
  nlohmann::json publicJson() const;
  std::optional<std::string> publicPem() const;
  EVP_PKEY* pkey() const { return pkey_.get(); }
  const Bytes& secret() const { return secret_; }

 private:
  KeyType type_ = KeyType::kGeneric;
  PkeyPtr pkey_;
  Bytes secret_;  // Generic keys only
};

}  // namespace p11nethsm::mock
