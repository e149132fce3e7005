#include "aes_reference.hpp"

#include <gtest/gtest.h>

#include <map>

namespace p11nethsm::mech::test {
namespace {

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslFree<EVP_CIPHER_CTX_free>>;

const EVP_CIPHER* cipherFor(size_t keyBytes, const char* mode) {
  std::string m(mode);
  if (m == "gcm")
    return keyBytes == 16   ? EVP_aes_128_gcm()
           : keyBytes == 24 ? EVP_aes_192_gcm()
                            : EVP_aes_256_gcm();
  if (m == "ctr")
    return keyBytes == 16   ? EVP_aes_128_ctr()
           : keyBytes == 24 ? EVP_aes_192_ctr()
                            : EVP_aes_256_ctr();
  return keyBytes == 16   ? EVP_aes_128_ecb()
         : keyBytes == 24 ? EVP_aes_192_ecb()
                          : EVP_aes_256_ecb();
}

int len(const Bytes& b) { return static_cast<int>(b.size()); }

// Key, IV and AAD set on a GCM context for either direction.
CipherCtxPtr gcmContext(const Bytes& key, const Bytes& iv, const Bytes& aad, int encrypt) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  EVP_CipherInit_ex(ctx.get(), cipherFor(key.size(), "gcm"), nullptr, nullptr, nullptr, encrypt);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, len(iv), nullptr);
  EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), encrypt);
  int n = 0;
  if (!aad.empty()) EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), len(aad));
  return ctx;
}

}  // namespace

KeyView knownAesKey(const Bytes& keyBytes) {
  static auto* known = new std::map<Bytes, std::string>();  // one import per key and process
  testKeys();
  auto it = known->find(keyBytes);
  if (it == known->end()) {
    std::string id = "aesknown" + std::to_string(known->size());
    keyBackend().addSecret(id, keyBytes);
    it = known->emplace(keyBytes, id).first;
  }
  KeyView v;
  v.nethsmId = it->second;
  v.type = nethsm::KeyType::kGeneric;
  v.bits = static_cast<unsigned>(keyBytes.size() * 8);
  v.mechanisms = {nethsm::KeyMechanism::kAesEncryptionCbc, nethsm::KeyMechanism::kAesDecryptionCbc};
  return v;
}

GcmSealed opensslGcmSeal(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plain,
                         size_t tagBytes) {
  auto ctx = gcmContext(key, iv, aad, 1);
  GcmSealed out{Bytes(plain.size() + 16), Bytes(tagBytes)};
  int n1 = 0, n2 = 0;
  EVP_CipherUpdate(ctx.get(), out.cipher.data(), &n1, plain.data(), len(plain));
  EXPECT_EQ(EVP_CipherFinal_ex(ctx.get(), out.cipher.data() + n1, &n2), 1);
  out.cipher.resize(static_cast<size_t>(n1 + n2));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tagBytes), out.tag.data());
  return out;
}

std::optional<Bytes> opensslGcmOpen(const Bytes& key, const Bytes& iv, const Bytes& aad,
                                    const Bytes& cipher, const Bytes& tag) {
  auto ctx = gcmContext(key, iv, aad, 0);
  Bytes plain(cipher.size() + 16);
  int n1 = 0, n2 = 0;
  EVP_CipherUpdate(ctx.get(), plain.data(), &n1, cipher.data(), len(cipher));
  Bytes t = tag;
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, len(t), t.data());
  if (EVP_CipherFinal_ex(ctx.get(), plain.data() + n1, &n2) != 1) return std::nullopt;
  plain.resize(static_cast<size_t>(n1 + n2));
  return plain;
}

Bytes opensslCtr(const Bytes& key, const Bytes& counterBlock, const Bytes& data) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  EVP_EncryptInit_ex(ctx.get(), cipherFor(key.size(), "ctr"), nullptr, key.data(),
                     counterBlock.data());
  Bytes out(data.size() + 16);
  int n1 = 0, n2 = 0;
  EVP_EncryptUpdate(ctx.get(), out.data(), &n1, data.data(), len(data));
  EVP_EncryptFinal_ex(ctx.get(), out.data() + n1, &n2);
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

Bytes opensslEcb(const Bytes& key, const Bytes& data, bool encrypt) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  EVP_CipherInit_ex(ctx.get(), cipherFor(key.size(), "ecb"), nullptr, key.data(), nullptr,
                    encrypt ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Bytes out(data.size() + 16);
  int n1 = 0, n2 = 0;
  EVP_CipherUpdate(ctx.get(), out.data(), &n1, data.data(), len(data));
  EXPECT_EQ(EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2), 1);
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

GcmMechanism::GcmMechanism(Bytes ivBytes, Bytes aadBytes, size_t tagBytes)
    : iv(std::move(ivBytes)), aad(std::move(aadBytes)) {
  params.pIv = iv.data();
  params.ulIvLen = iv.size();
  params.ulIvBits = iv.size() * 8;
  params.pAAD = aad.empty() ? nullptr : aad.data();
  params.ulAADLen = aad.size();
  params.ulTagBits = tagBytes * 8;
  mechanism = {CKM_AES_GCM, &params, sizeof params};
}

CtrMechanism::CtrMechanism(const Bytes& counterBlock, CK_ULONG counterBits) {
  params.ulCounterBits = counterBits;
  std::copy(counterBlock.begin(), counterBlock.end(), std::begin(params.cb));
  mechanism = {CKM_AES_CTR, &params, sizeof params};
}

Result<Bytes> driveRandomParts(Operation& op, const Bytes& input, std::mt19937& rng) {
  Bytes out;
  size_t off = 0;
  while (off < input.size()) {
    size_t cap = std::min<size_t>(input.size() - off, 70);
    size_t n = std::uniform_int_distribution<size_t>(0, cap)(rng);
    size_t bound = op.updateOutputBound(n);  // what C_*Update's size query would say
    auto part = op.update(std::span<const uint8_t>(input.data() + off, n));
    if (!part) return part.error();
    if (part->size() > bound)
      ADD_FAILURE() << "update gave " << part->size() << " bytes, bound " << bound;
    out.insert(out.end(), part->begin(), part->end());
    off += n;
  }
  auto last = op.finish();
  if (!last) return last.error();
  out.insert(out.end(), last->begin(), last->end());
  return out;
}

Result<Bytes> runAes(OperationKind kind, const CK_MECHANISM& mechanism, const KeyView& key,
                     const Bytes& input, std::mt19937* rng) {
  auto op = createOperationWith(kind, mechanism, key, keyBackend().appliance(),
                                nethsm::capabilitiesOf({4, 0}));
  if (!op) return op.error();
  if (rng == nullptr) return (*op)->single(input);
  return driveRandomParts(**op, input, *rng);
}

Bytes hex(const char* text) {
  auto b = hexDecode(text);
  if (!b) ADD_FAILURE() << "bad hex in a test vector: " << text;
  return b.value_or(Bytes{});
}

std::string hexOrError(const Result<Bytes>& r) {
  if (r) return hexEncode(*r);
  return "error " + std::to_string(r.error().pkcs11Rv) + ": " + r.error().message;
}

}  // namespace p11nethsm::mech::test
