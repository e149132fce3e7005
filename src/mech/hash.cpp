// Local hashing and DigestInfo handling (see hash.hpp).
#include "mech/hash.hpp"

#include <algorithm>
#include <array>

namespace p11nethsm::mech {
namespace {

using nethsm::DecryptMode;
using nethsm::KeyMechanism;
using nethsm::SignMode;

// PKCS#11 has no MGF1-MD5 id and the NetHSM's PSS_MD5/OAEP_MD5 cannot be requested
// through a PKCS#11 parameter structure; the MD5 row serves digests and DigestInfo.
constexpr std::array<HashInfo, 6> kHashes{{
    {HashAlg::kMd5, CKM_MD5, 0, "MD5", 16, SignMode::kPssMd5, KeyMechanism::kRsaSignaturePssMd5,
     DecryptMode::kOaepMd5, KeyMechanism::kRsaDecryptionOaepMd5},
    {HashAlg::kSha1, CKM_SHA_1, CKG_MGF1_SHA1, "SHA1", 20, SignMode::kPssSha1,
     KeyMechanism::kRsaSignaturePssSha1, DecryptMode::kOaepSha1,
     KeyMechanism::kRsaDecryptionOaepSha1},
    {HashAlg::kSha224, CKM_SHA224, CKG_MGF1_SHA224, "SHA224", 28, SignMode::kPssSha224,
     KeyMechanism::kRsaSignaturePssSha224, DecryptMode::kOaepSha224,
     KeyMechanism::kRsaDecryptionOaepSha224},
    {HashAlg::kSha256, CKM_SHA256, CKG_MGF1_SHA256, "SHA256", 32, SignMode::kPssSha256,
     KeyMechanism::kRsaSignaturePssSha256, DecryptMode::kOaepSha256,
     KeyMechanism::kRsaDecryptionOaepSha256},
    {HashAlg::kSha384, CKM_SHA384, CKG_MGF1_SHA384, "SHA384", 48, SignMode::kPssSha384,
     KeyMechanism::kRsaSignaturePssSha384, DecryptMode::kOaepSha384,
     KeyMechanism::kRsaDecryptionOaepSha384},
    {HashAlg::kSha512, CKM_SHA512, CKG_MGF1_SHA512, "SHA512", 64, SignMode::kPssSha512,
     KeyMechanism::kRsaSignaturePssSha512, DecryptMode::kOaepSha512,
     KeyMechanism::kRsaDecryptionOaepSha512},
}};

// RFC 8017 §9.2 note 1: DER of DigestInfo{AlgorithmIdentifier{oid, NULL}, OCTET STRING
// header}; the hash follows.
constexpr uint8_t kMd5Prefix[] = {0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                  0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10};
constexpr uint8_t kSha1Prefix[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                   0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
constexpr uint8_t kSha224Prefix[] = {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c};
constexpr uint8_t kSha256Prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
constexpr uint8_t kSha384Prefix[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
constexpr uint8_t kSha512Prefix[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

}  // namespace

const HashInfo& hashInfo(HashAlg alg) { return kHashes[static_cast<size_t>(alg)]; }

const HashInfo* hashByMechanism(CK_MECHANISM_TYPE digestMechanism) {
  for (const auto& h : kHashes) {
    if (h.digestMechanism == digestMechanism) return &h;
  }
  return nullptr;
}

const HashInfo* hashByMgf(CK_RSA_PKCS_MGF_TYPE mgf) {
  for (const auto& h : kHashes) {
    if (h.mgf != 0 && h.mgf == mgf) return &h;
  }
  return nullptr;
}

const EVP_MD* evpMd(HashAlg alg) {
  switch (alg) {
    case HashAlg::kMd5:
      return EVP_md5();
    case HashAlg::kSha1:
      return EVP_sha1();
    case HashAlg::kSha224:
      return EVP_sha224();
    case HashAlg::kSha256:
      return EVP_sha256();
    case HashAlg::kSha384:
      return EVP_sha384();
    case HashAlg::kSha512:
      return EVP_sha512();
  }
  return nullptr;
}

std::span<const uint8_t> digestInfoPrefix(HashAlg alg) {
  switch (alg) {
    case HashAlg::kMd5:
      return kMd5Prefix;
    case HashAlg::kSha1:
      return kSha1Prefix;
    case HashAlg::kSha224:
      return kSha224Prefix;
    case HashAlg::kSha256:
      return kSha256Prefix;
    case HashAlg::kSha384:
      return kSha384Prefix;
    case HashAlg::kSha512:
      return kSha512Prefix;
  }
  return {};
}

Bytes digestInfo(HashAlg alg, std::span<const uint8_t> hash) {
  auto prefix = digestInfoPrefix(alg);
  Bytes out(prefix.begin(), prefix.end());
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

std::optional<Bytes> stripDigestInfo(std::span<const uint8_t> input) {
  for (const auto& h : kHashes) {
    auto prefix = digestInfoPrefix(h.alg);
    if (input.size() == prefix.size() + h.length &&
        std::equal(prefix.begin(), prefix.end(), input.begin())) {
      return Bytes(input.begin() + static_cast<std::ptrdiff_t>(prefix.size()), input.end());
    }
  }
  return std::nullopt;
}

Hasher::Hasher(HashAlg alg) : alg_(alg), ctx_(EVP_MD_CTX_new()) {
  ready_ = ctx_ && EVP_DigestInit_ex(ctx_.get(), evpMd(alg), nullptr) == 1;
}

Status Hasher::update(std::span<const uint8_t> data) {
  if (!ready_) return osslError("digest init");
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return osslError("EVP_DigestUpdate");
  }
  return okStatus();
}

Result<Bytes> Hasher::finish() {
  if (!ready_) return osslError("digest init");
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  ready_ = false;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1) {
    return osslError("EVP_DigestFinal");
  }
  out.resize(len);
  return out;
}

Result<Bytes> hashOnce(HashAlg alg, std::span<const uint8_t> data) {
  Hasher h(alg);
  if (auto s = h.update(data); !s) return s.error();
  return h.finish();
}

}  // namespace p11nethsm::mech
