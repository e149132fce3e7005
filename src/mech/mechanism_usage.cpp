// The NetHSM mechanism → PKCS#11 usage map (mechanism_usage.hpp). The mechanism names
// and the mechanisms allowed per key type are the appliance's (nethsm-api.yaml
// KeyMechanism; BEHAVIOUR.md §5 "Mechanisms allowed per type").
#include "mech/mechanism_usage.hpp"

#include <algorithm>
#include <array>

namespace p11nethsm::mech {
namespace {

using nethsm::KeyMechanism;
using nethsm::KeyType;

constexpr std::array<MechanismUsage, 20> kUsages{{
    {KeyMechanism::kRsaDecryptionRaw, CKA_DECRYPT, true},
    {KeyMechanism::kRsaDecryptionPkcs1, CKA_DECRYPT, true},
    {KeyMechanism::kRsaDecryptionOaepMd5, CKA_DECRYPT, false},
    {KeyMechanism::kRsaDecryptionOaepSha1, CKA_DECRYPT, true},
    {KeyMechanism::kRsaDecryptionOaepSha224, CKA_DECRYPT, true},
    {KeyMechanism::kRsaDecryptionOaepSha256, CKA_DECRYPT, true},
    {KeyMechanism::kRsaDecryptionOaepSha384, CKA_DECRYPT, true},
    {KeyMechanism::kRsaDecryptionOaepSha512, CKA_DECRYPT, true},
    {KeyMechanism::kRsaSignaturePkcs1, CKA_SIGN, true},
    {KeyMechanism::kRsaSignaturePssMd5, CKA_SIGN, false},
    {KeyMechanism::kRsaSignaturePssSha1, CKA_SIGN, true},
    {KeyMechanism::kRsaSignaturePssSha224, CKA_SIGN, true},
    {KeyMechanism::kRsaSignaturePssSha256, CKA_SIGN, true},
    {KeyMechanism::kRsaSignaturePssSha384, CKA_SIGN, true},
    {KeyMechanism::kRsaSignaturePssSha512, CKA_SIGN, true},
    {KeyMechanism::kEdDsaSignature, CKA_SIGN, true},
    {KeyMechanism::kEcdsaSignature, CKA_SIGN, true},
    {KeyMechanism::kBip340Signature, CKA_SIGN, false},
    {KeyMechanism::kAesEncryptionCbc, CKA_ENCRYPT, true},
    {KeyMechanism::kAesDecryptionCbc, CKA_DECRYPT, true},
}};

}  // namespace

std::span<const MechanismUsage> mechanismUsages() { return kUsages; }

CK_ATTRIBUTE_TYPE usageOf(KeyMechanism mechanism) {
  for (const auto& u : kUsages)
    if (u.mechanism == mechanism) return u.usage;
  return CK_UNAVAILABLE_INFORMATION;  // unreachable: every enumerator is in the map
}

bool allowsUsage(const std::vector<KeyMechanism>& mechanisms, CK_ATTRIBUTE_TYPE usage) {
  return std::any_of(mechanisms.begin(), mechanisms.end(),
                     [usage](KeyMechanism m) { return usageOf(m) == usage; });
}

bool allowsUsage(const std::vector<KeyMechanism>& mechanisms, CK_ATTRIBUTE_TYPE usage,
                 KeyType type) {
  const auto allowed = nethsm::mechanismsAllowedFor(type);
  return std::any_of(mechanisms.begin(), mechanisms.end(), [&](KeyMechanism m) {
    return usageOf(m) == usage && std::find(allowed.begin(), allowed.end(), m) != allowed.end();
  });
}

std::vector<CK_ATTRIBUTE_TYPE> usagesOfType(KeyType type) {
  if (type == KeyType::kRsa) return {CKA_SIGN, CKA_DECRYPT};
  if (type == KeyType::kGeneric) return {CKA_ENCRYPT, CKA_DECRYPT};
  return {CKA_SIGN};
}

std::vector<KeyMechanism> grantedFor(KeyType type, CK_ATTRIBUTE_TYPE usage) {
  std::vector<KeyMechanism> out;
  const auto allowed = nethsm::mechanismsAllowedFor(type);
  for (const auto& u : kUsages) {
    if (u.usage != usage || !u.granted) continue;
    if (std::find(allowed.begin(), allowed.end(), u.mechanism) != allowed.end())
      out.push_back(u.mechanism);
  }
  return out;
}

}  // namespace p11nethsm::mech
