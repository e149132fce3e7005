#pragma once
// Hash algorithms the module computes locally (PKCS#11 v2.40 §2.15–2.20 digests and
// the hash part of hash-and-sign mechanisms), with what the NetHSM and PKCS#1 need of
// each: DigestInfo prefix (RFC 8017 §9.2 note 1), MGF1 id, PSS/OAEP modes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "mech/ossl.hpp"
#include "nethsm/types.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::mech {

enum class HashAlg { kMd5, kSha1, kSha224, kSha256, kSha384, kSha512 };

struct HashInfo {
  HashAlg alg;
  CK_MECHANISM_TYPE digestMechanism;  // CKM_SHA256, ...
  CK_RSA_PKCS_MGF_TYPE mgf;           // CKG_MGF1_SHA256, ...; 0 for MD5 (none exists)
  const char* opensslName;
  size_t length;  // digest bytes
  nethsm::SignMode pssMode;
  nethsm::KeyMechanism pssMechanism;
  nethsm::DecryptMode oaepMode;
  nethsm::KeyMechanism oaepMechanism;
};

const HashInfo& hashInfo(HashAlg alg);
// CKM_SHA256 → SHA-256 etc.; nullptr when the mechanism is not a digest we offer.
const HashInfo* hashByMechanism(CK_MECHANISM_TYPE digestMechanism);
const HashInfo* hashByMgf(CK_RSA_PKCS_MGF_TYPE mgf);
const EVP_MD* evpMd(HashAlg alg);

// DER DigestInfo prefix of `alg` (RFC 8017 §9.2, note 1).
std::span<const uint8_t> digestInfoPrefix(HashAlg alg);
// DigestInfo || hash: what EMSA-PKCS1-v1_5 pads and the NetHSM's PKCS1 mode signs.
Bytes digestInfo(HashAlg alg, std::span<const uint8_t> hash);
// The bare hash inside a known DigestInfo (firmware 3.0 wants it); nullopt otherwise.
std::optional<Bytes> stripDigestInfo(std::span<const uint8_t> input);

// Streaming hash: data is hashed as it arrives (C_DigestUpdate, C_SignUpdate).
class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  HashAlg alg() const { return alg_; }
  size_t length() const { return hashInfo(alg_).length; }
  Status update(std::span<const uint8_t> data);
  // Ends the hash; the hasher must not be used afterwards.
  Result<Bytes> finish();

 private:
  HashAlg alg_;
  MdCtxPtr ctx_;
  bool ready_ = false;
};

Result<Bytes> hashOnce(HashAlg alg, std::span<const uint8_t> data);

}  // namespace p11nethsm::mech
