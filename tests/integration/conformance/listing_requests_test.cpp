// Issue 11: a search whose template cannot match a certificate (CKA_CLASS of a key)
// lists the keys without their certificates, N + 1 requests instead of 2N + 1; a
// later search that can match certificates fetches only the missing certificates.
#include "battery.hpp"

namespace p11nethsm::conformance {
namespace {

constexpr size_t kKeys = 12;

std::string keyId(size_t i) { return "lst" + std::to_string(i); }

std::vector<CK_OBJECT_HANDLE> findAll(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s,
                                      std::vector<CK_ATTRIBUTE> tmpl) {
  std::vector<CK_OBJECT_HANDLE> out(4 * kKeys + 8);
  CK_ULONG count = 0;
  EXPECT_EQ(p->C_FindObjectsInit(s, tmpl.data(), tmpl.size()), CKR_OK);
  EXPECT_EQ(p->C_FindObjects(s, out.data(), out.size(), &count), CKR_OK);
  EXPECT_EQ(p->C_FindObjectsFinal(s), CKR_OK);
  out.resize(count);
  return out;
}

TEST(Listing, PrivateKeySearchSkipsCertificatesAndAFullSearchFetchesOnlyThem) {
  testing::MockEnvironment env;
  ASSERT_TRUE(env.ok());
  for (size_t i = 0; i < kKeys; ++i)
    ASSERT_FALSE(env.generateKey(nethsm::KeyType::kCurve25519, keyId(i)).empty());
  ASSERT_TRUE(env.admin().putCertificate(keyId(3), selfSignedCertificateDer("listed")).ok());

  CK_FUNCTION_LIST_PTR p = batteryFunctions();
  const CK_SESSION_HANDLE s = initializeAndOpen(p, env);
  ASSERT_NE(s, CK_INVALID_HANDLE);
  auto& mock = env.mock();
  CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
  EXPECT_EQ(findAll(p, s, {{CKA_CLASS, &priv, sizeof(priv)}}).size(), kKeys);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys"), 1u);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys/{id}"), kKeys);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys/{id}/cert"), 0u);

  // Every object: 2 per key pair plus the one certificate; only the certificates are
  // fetched now, the keys come from the cache.
  const auto all = findAll(p, s, {});
  EXPECT_EQ(all.size(), 2 * kKeys + 1);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(mock.endpointCount(0, "GET /keys"), 1u);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys/{id}"), kKeys);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys/{id}/cert"), kKeys);
  CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
  EXPECT_EQ(findAll(p, s, {{CKA_CLASS, &certClass, sizeof(certClass)}}).size(), 1u);
  EXPECT_EQ(mock.endpointCount(0, "GET /keys/{id}/cert"), kKeys);  // warm: no request
  EXPECT_EQ(p->C_Finalize(nullptr), CKR_OK);
}

}  // namespace
}  // namespace p11nethsm::conformance
