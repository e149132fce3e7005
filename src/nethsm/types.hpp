#pragma once
// NetHSM API value types (spec: shared/nethsm-api/nethsm-api-v4.0.yaml; firmware
// behaviour: BEHAVIOUR.md). Exact enum strings are converted in types.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/encoding.hpp"
#include "util/secret.hpp"

namespace p11nethsm::nethsm {

enum class KeyType {
  kRsa,
  kCurve25519,
  kEcP224,
  kEcP256,
  kEcP384,
  kEcP521,
  kEcP256K1,
  kBrainpoolP256,
  kBrainpoolP384,
  kBrainpoolP512,
  kGeneric,
};

enum class KeyMechanism {
  kRsaDecryptionRaw,
  kRsaDecryptionPkcs1,
  kRsaDecryptionOaepMd5,
  kRsaDecryptionOaepSha1,
  kRsaDecryptionOaepSha224,
  kRsaDecryptionOaepSha256,
  kRsaDecryptionOaepSha384,
  kRsaDecryptionOaepSha512,
  kRsaSignaturePkcs1,
  kRsaSignaturePssMd5,
  kRsaSignaturePssSha1,
  kRsaSignaturePssSha224,
  kRsaSignaturePssSha256,
  kRsaSignaturePssSha384,
  kRsaSignaturePssSha512,
  kEdDsaSignature,
  kEcdsaSignature,
  kBip340Signature,
  kAesEncryptionCbc,
  kAesDecryptionCbc,
};

enum class SignMode {
  kPkcs1,
  kPssMd5,
  kPssSha1,
  kPssSha224,
  kPssSha256,
  kPssSha384,
  kPssSha512,
  kEdDsa,
  kEcdsa,
  kBip340,
};

enum class DecryptMode {
  kRaw,
  kPkcs1,
  kOaepMd5,
  kOaepSha1,
  kOaepSha224,
  kOaepSha256,
  kOaepSha384,
  kOaepSha512,
  kAesCbc,
};

std::string_view toString(KeyType t);
std::string_view toString(KeyMechanism m);
std::string_view toString(SignMode m);
std::string_view toString(DecryptMode m);
std::optional<KeyType> keyTypeFromString(std::string_view s);
std::optional<KeyMechanism> keyMechanismFromString(std::string_view s);

// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, 1–128 characters (BEHAVIOUR.md §2): the IDs the
// firmware accepts. Anything else from the server ("", ".", "..", "a/b") is not a key
// ID and never goes into a URL.
inline constexpr size_t kMaxKeyIdLength = 128;
bool isValidKeyId(std::string_view id);

// The mechanisms the firmware allows per key type (BEHAVIOUR.md §5).
std::vector<KeyMechanism> mechanismsAllowedFor(KeyType t);

// Equality only, no ordering: what a firmware can do is decided from its version in
// one place (capabilities.cpp), which orders versions itself.
struct FirmwareVersion {
  int major = 0;
  int minor = 0;
  bool operator==(const FirmwareVersion&) const = default;
};
// "4.0" → {4,0}; nullopt when not "N.M".
std::optional<FirmwareVersion> parseFirmwareVersion(std::string_view s);

struct PublicKeyData {
  Bytes modulus;         // RSA, big-endian, no leading zero
  Bytes publicExponent;  // RSA
  Bytes data;            // EC: 0x04||X||Y; Curve25519: 32 raw bytes
};

struct KeyInfo {
  std::string id;
  KeyType type = KeyType::kGeneric;
  std::vector<KeyMechanism> mechanisms;
  PublicKeyData publicKey;  // empty for Generic
  std::vector<std::string> tags;
  uint64_t operations = 0;
  std::optional<std::string> label;  // firmware ≥ 5.0, when non-empty
};

struct SystemInfo {
  std::string softwareVersion;
  std::string softwareBuild;
  std::string firmwareVersion;
  std::string hardwareVersion;
  std::string deviceId;
};

struct VendorInfo {
  std::string vendor;
  std::string product;
};

enum class Role { kOperator, kAdministrator };

struct GenerateKeyRequest {
  KeyType type = KeyType::kRsa;
  std::vector<KeyMechanism> mechanisms;
  unsigned length = 0;  // RSA modulus bits, Generic key bits; 0 for EC/Ed
  std::string id;       // empty: the client picks one (retry-safe generation)
  std::vector<std::string> tags;
  std::optional<std::string> label;  // sent only to firmware ≥ 5.0
};

// Private key material to import (PUT /keys/{id} or POST /keys, JSON form).
struct ImportKeyRequest {
  KeyType type = KeyType::kRsa;
  std::vector<KeyMechanism> mechanisms;
  std::string id;  // empty: the client picks one
  // RSA
  Bytes primeP, primeQ, publicExponent;
  // EC / Curve25519 / Generic: raw scalar, seed or secret
  SecretString data;
  std::vector<std::string> tags;
  std::optional<std::string> label;
};

struct EncryptResult {
  Bytes encrypted;
  Bytes iv;
};

}  // namespace p11nethsm::nethsm
