// Public keys are still read when the host loaded an OpenSSL ENGINE as the default
// for RSA and EC keys, as `openssl pkeyutl -engine pkcs11` (libp11) does: OpenSSL
// then routes EVP_PKEY contexts made from the names "RSA" / "EC" to the engine, on
// which EVP_PKEY_fromdata fails (issue 9: the libp11 engine read an empty CKA_MODULUS
// and signed with an "invalid key", or wrote empty ECDSA signatures).
#define OPENSSL_SUPPRESS_DEPRECATED  // the ENGINE API is how such hosts hook in
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/engine.h>

#include "bn_param.hpp"
#include "mech/public_key.hpp"
#include "test_keys.hpp"

namespace p11nethsm::mech::test {
namespace {

// Like libp11: the engine offers OpenSSL's own RSA and EC key methods (legacy).
int legacyPkeyMethods(ENGINE*, EVP_PKEY_METHOD** method, const int** nids, int nid) {
  static const int kNids[] = {EVP_PKEY_RSA, EVP_PKEY_EC};
  if (method == nullptr) {
    *nids = kNids;
    return 2;
  }
  *method = const_cast<EVP_PKEY_METHOD*>(EVP_PKEY_meth_find(nid));
  return *method != nullptr ? 1 : 0;
}

class DefaultEngine {
 public:
  DefaultEngine() : engine_(ENGINE_new()) {
    ENGINE_set_id(engine_, "p11nethsm-test-engine");
    ENGINE_set_name(engine_, "default RSA/EC key methods, as libp11 installs them");
    ENGINE_set_pkey_meths(engine_, legacyPkeyMethods);
    ok_ = ENGINE_set_default_pkey_meths(engine_) == 1;
  }
  ~DefaultEngine() {
    ENGINE_unregister_pkey_meths(engine_);
    ENGINE_free(engine_);
  }
  bool ok() const { return ok_; }

 private:
  ENGINE* engine_;
  bool ok_ = false;
};

nethsm::PublicKeyData rsaData(EVP_PKEY* key) {
  nethsm::PublicKeyData d;
  d.modulus = bnParam(key, OSSL_PKEY_PARAM_RSA_N);
  d.publicExponent = bnParam(key, OSSL_PKEY_PARAM_RSA_E);
  return d;
}

nethsm::PublicKeyData ecData(EVP_PKEY* key) {
  nethsm::PublicKeyData d;
  d.data.resize(133);
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, d.data.data(),
                                  d.data.size(), &len);
  d.data.resize(len);
  return d;
}

TEST(PublicKeyWithEngine, RsaAndEcKeysAreReadWhileAnEngineIsTheDefault) {
  const TestKey& rsa = testKey("rsa2048");  // made before the engine is installed
  const TestKey* ec = nullptr;
  for (const auto& k : testKeys())
    if (k.view.type == nethsm::KeyType::kEcP256) ec = &k;
  ASSERT_TRUE(rsa.key && ec && ec->key);
  DefaultEngine engine;
  ASSERT_TRUE(engine.ok());
  auto rsaAttrs = publicKeyAttributes(nethsm::KeyType::kRsa, rsaData(rsa.key.get()));
  ASSERT_TRUE(rsaAttrs) << rsaAttrs.error().message;
  EXPECT_EQ(rsaAttrs->modulus.size(), 256u);
  EXPECT_EQ(rsaAttrs->bits, 2048u);
  EXPECT_FALSE(rsaAttrs->spkiDer.empty());
  auto ecAttrs = publicKeyAttributes(nethsm::KeyType::kEcP256, ecData(ec->key.get()));
  ASSERT_TRUE(ecAttrs) << ecAttrs.error().message;
  EXPECT_EQ(ecAttrs->ecPoint.size(), 67u);
  EXPECT_FALSE(ecAttrs->spkiDer.empty());
}

}  // namespace
}  // namespace p11nethsm::mech::test
