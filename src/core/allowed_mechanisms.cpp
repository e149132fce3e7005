// CKA_ALLOWED_MECHANISMS (PKCS#11 v2.40 §4.7): the Cryptoki mechanisms a key can be
// used with, derived from the NetHSM mechanisms the appliance allows for it.
#include "core/object.hpp"

namespace p11nethsm::core {
namespace {

using nethsm::KeyMechanism;

void append(std::vector<CK_MECHANISM_TYPE>& out, std::initializer_list<CK_MECHANISM_TYPE> add) {
  out.insert(out.end(), add.begin(), add.end());
}

// PSS with a given hash: the pre-hashed CKM_RSA_PKCS_PSS and the hash-and-sign one.
void appendPss(std::vector<CK_MECHANISM_TYPE>& out, CK_MECHANISM_TYPE hashAndSign) {
  append(out, {CKM_RSA_PKCS_PSS});
  if (hashAndSign != 0) append(out, {hashAndSign});
}

void appendFor(std::vector<CK_MECHANISM_TYPE>& out, KeyMechanism m) {
  switch (m) {
    case KeyMechanism::kRsaDecryptionRaw:
      append(out, {CKM_RSA_X_509});
      break;
    case KeyMechanism::kRsaDecryptionPkcs1:
      append(out, {CKM_RSA_PKCS});
      break;
    case KeyMechanism::kRsaDecryptionOaepMd5:
    case KeyMechanism::kRsaDecryptionOaepSha1:
    case KeyMechanism::kRsaDecryptionOaepSha224:
    case KeyMechanism::kRsaDecryptionOaepSha256:
    case KeyMechanism::kRsaDecryptionOaepSha384:
    case KeyMechanism::kRsaDecryptionOaepSha512:
      append(out, {CKM_RSA_PKCS_OAEP});
      break;
    case KeyMechanism::kRsaSignaturePkcs1:
      append(out, {CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
                   CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS});
      break;
    case KeyMechanism::kRsaSignaturePssMd5:
      appendPss(out, 0);
      break;
    case KeyMechanism::kRsaSignaturePssSha1:
      appendPss(out, CKM_SHA1_RSA_PKCS_PSS);
      break;
    case KeyMechanism::kRsaSignaturePssSha224:
      appendPss(out, CKM_SHA224_RSA_PKCS_PSS);
      break;
    case KeyMechanism::kRsaSignaturePssSha256:
      appendPss(out, CKM_SHA256_RSA_PKCS_PSS);
      break;
    case KeyMechanism::kRsaSignaturePssSha384:
      appendPss(out, CKM_SHA384_RSA_PKCS_PSS);
      break;
    case KeyMechanism::kRsaSignaturePssSha512:
      appendPss(out, CKM_SHA512_RSA_PKCS_PSS);
      break;
    case KeyMechanism::kEdDsaSignature:
      append(out, {CKM_EDDSA});
      break;
    case KeyMechanism::kEcdsaSignature:
      append(out, {CKM_ECDSA, CKM_ECDSA_SHA1, CKM_ECDSA_SHA224, CKM_ECDSA_SHA256, CKM_ECDSA_SHA384,
                   CKM_ECDSA_SHA512});
      break;
    case KeyMechanism::kBip340Signature:
      break;  // no PKCS#11 mechanism
    // GCM and CTR use only the forward cipher (mech/aes_block.hpp).
    case KeyMechanism::kAesEncryptionCbc:
      append(out, {CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_ECB, CKM_AES_CTR, CKM_AES_GCM});
      break;
    case KeyMechanism::kAesDecryptionCbc:
      append(out, {CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_ECB});
      break;
  }
}

}  // namespace

std::vector<CK_MECHANISM_TYPE> pkcs11MechanismsFor(const std::vector<KeyMechanism>& mechanisms) {
  std::vector<CK_MECHANISM_TYPE> out;
  for (auto m : mechanisms) appendFor(out, m);
  std::vector<CK_MECHANISM_TYPE> unique;
  for (auto m : out) {
    bool seen = false;
    for (auto u : unique) seen = seen || (u == m);
    if (!seen) unique.push_back(m);
  }
  return unique;
}

}  // namespace p11nethsm::core
