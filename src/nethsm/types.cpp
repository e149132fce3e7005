// Exact enum strings of the NetHSM API (nethsm-api-v4.0.yaml; BEHAVIOUR.md §5).
#include "nethsm/types.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace p11nethsm::nethsm {

namespace {

template <class E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<KeyType, 11> kKeyTypes{{
    {KeyType::kRsa, "RSA"},
    {KeyType::kCurve25519, "Curve25519"},
    {KeyType::kEcP224, "EC_P224"},
    {KeyType::kEcP256, "EC_P256"},
    {KeyType::kEcP384, "EC_P384"},
    {KeyType::kEcP521, "EC_P521"},
    {KeyType::kEcP256K1, "EC_P256K1"},
    {KeyType::kBrainpoolP256, "BrainpoolP256"},
    {KeyType::kBrainpoolP384, "BrainpoolP384"},
    {KeyType::kBrainpoolP512, "BrainpoolP512"},
    {KeyType::kGeneric, "Generic"},
}};

constexpr NameTable<KeyMechanism, 20> kMechanisms{{
    {KeyMechanism::kRsaDecryptionRaw, "RSA_Decryption_RAW"},
    {KeyMechanism::kRsaDecryptionPkcs1, "RSA_Decryption_PKCS1"},
    {KeyMechanism::kRsaDecryptionOaepMd5, "RSA_Decryption_OAEP_MD5"},
    {KeyMechanism::kRsaDecryptionOaepSha1, "RSA_Decryption_OAEP_SHA1"},
    {KeyMechanism::kRsaDecryptionOaepSha224, "RSA_Decryption_OAEP_SHA224"},
    {KeyMechanism::kRsaDecryptionOaepSha256, "RSA_Decryption_OAEP_SHA256"},
    {KeyMechanism::kRsaDecryptionOaepSha384, "RSA_Decryption_OAEP_SHA384"},
    {KeyMechanism::kRsaDecryptionOaepSha512, "RSA_Decryption_OAEP_SHA512"},
    {KeyMechanism::kRsaSignaturePkcs1, "RSA_Signature_PKCS1"},
    {KeyMechanism::kRsaSignaturePssMd5, "RSA_Signature_PSS_MD5"},
    {KeyMechanism::kRsaSignaturePssSha1, "RSA_Signature_PSS_SHA1"},
    {KeyMechanism::kRsaSignaturePssSha224, "RSA_Signature_PSS_SHA224"},
    {KeyMechanism::kRsaSignaturePssSha256, "RSA_Signature_PSS_SHA256"},
    {KeyMechanism::kRsaSignaturePssSha384, "RSA_Signature_PSS_SHA384"},
    {KeyMechanism::kRsaSignaturePssSha512, "RSA_Signature_PSS_SHA512"},
    {KeyMechanism::kEdDsaSignature, "EdDSA_Signature"},
    {KeyMechanism::kEcdsaSignature, "ECDSA_Signature"},
    {KeyMechanism::kBip340Signature, "BIP340_Signature"},
    {KeyMechanism::kAesEncryptionCbc, "AES_Encryption_CBC"},
    {KeyMechanism::kAesDecryptionCbc, "AES_Decryption_CBC"},
}};

constexpr NameTable<SignMode, 10> kSignModes{{
    {SignMode::kPkcs1, "PKCS1"},
    {SignMode::kPssMd5, "PSS_MD5"},
    {SignMode::kPssSha1, "PSS_SHA1"},
    {SignMode::kPssSha224, "PSS_SHA224"},
    {SignMode::kPssSha256, "PSS_SHA256"},
    {SignMode::kPssSha384, "PSS_SHA384"},
    {SignMode::kPssSha512, "PSS_SHA512"},
    {SignMode::kEdDsa, "EdDSA"},
    {SignMode::kEcdsa, "ECDSA"},
    {SignMode::kBip340, "BIP340"},
}};

constexpr NameTable<DecryptMode, 9> kDecryptModes{{
    {DecryptMode::kRaw, "RAW"},
    {DecryptMode::kPkcs1, "PKCS1"},
    {DecryptMode::kOaepMd5, "OAEP_MD5"},
    {DecryptMode::kOaepSha1, "OAEP_SHA1"},
    {DecryptMode::kOaepSha224, "OAEP_SHA224"},
    {DecryptMode::kOaepSha256, "OAEP_SHA256"},
    {DecryptMode::kOaepSha384, "OAEP_SHA384"},
    {DecryptMode::kOaepSha512, "OAEP_SHA512"},
    {DecryptMode::kAesCbc, "AES_CBC"},
}};

template <class E, size_t N>
std::string_view nameOf(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return {};
}

template <class E, size_t N>
std::optional<E> valueOf(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view toString(KeyType t) { return nameOf(kKeyTypes, t); }
std::string_view toString(KeyMechanism m) { return nameOf(kMechanisms, m); }
std::string_view toString(SignMode m) { return nameOf(kSignModes, m); }
std::string_view toString(DecryptMode m) { return nameOf(kDecryptModes, m); }
std::optional<KeyType> keyTypeFromString(std::string_view s) { return valueOf(kKeyTypes, s); }
std::optional<KeyMechanism> keyMechanismFromString(std::string_view s) {
  return valueOf(kMechanisms, s);
}

// BEHAVIOUR.md §5, "Mechanisms allowed per type" (enforced by the firmware on generate).
std::vector<KeyMechanism> mechanismsAllowedFor(KeyType t) {
  switch (t) {
    case KeyType::kRsa: {
      std::vector<KeyMechanism> rsa;
      for (const auto& [m, name] : kMechanisms) {
        if (name.substr(0, 4) == "RSA_") rsa.push_back(m);
      }
      return rsa;
    }
    case KeyType::kCurve25519:
      return {KeyMechanism::kEdDsaSignature};
    case KeyType::kEcP256K1:
      return {KeyMechanism::kEcdsaSignature, KeyMechanism::kBip340Signature};
    case KeyType::kGeneric:
      return {KeyMechanism::kAesEncryptionCbc, KeyMechanism::kAesDecryptionCbc};
    case KeyType::kEcP224:
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
    case KeyType::kBrainpoolP256:
    case KeyType::kBrainpoolP384:
    case KeyType::kBrainpoolP512:
      return {KeyMechanism::kEcdsaSignature};
  }
  return {};
}

std::optional<FirmwareVersion> parseFirmwareVersion(std::string_view s) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size()) return std::nullopt;
  FirmwareVersion v;
  const char* end = s.data() + dot;
  auto r1 = std::from_chars(s.data(), end, v.major);
  if (r1.ec != std::errc() || r1.ptr != end) return std::nullopt;
  const char* end2 = s.data() + s.size();
  auto r2 = std::from_chars(s.data() + dot + 1, end2, v.minor);
  if (r2.ec != std::errc() || r2.ptr != end2 || v.major < 0 || v.minor < 0) return std::nullopt;
  return v;
}

bool isValidKeyId(std::string_view id) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (id.empty() || id.size() > kMaxKeyIdLength || !alnum(id[0])) return false;
  for (char c : id.substr(1)) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace p11nethsm::nethsm
