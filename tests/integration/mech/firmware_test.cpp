// Firmware-specific behaviour against mock-nethsm running that firmware: 3.0's PKCS#1
// signing of a bare hash (BEHAVIOUR.md §6).
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "mech/hash.hpp"
#include "mech/public_key.hpp"
#include "mech/registry.hpp"
#include "mock_nethsm/mock.hpp"
#include "nethsm/client.hpp"
#include "p11nethsm_test/provisioned_mock.hpp"

namespace p11nethsm::mech::test {
namespace {

TEST(Firmware30, Pkcs1SignaturesVerifyWithOpenSsl) {
  mock::MockOptions options;
  options.firmware = "3.0";
  auto server = p11nethsm::testing::startProvisionedMock(options);
  ASSERT_TRUE(server);
  transport::Cluster cluster(p11nethsm::testing::pinnedSlotFor(*server, "fw30"),
                             transport::ClusterOptions{});
  p11nethsm::testing::TestCredentials credentials;
  nethsm::Client client(cluster, credentials);
  const nethsm::Capabilities fw = client.capabilities();
  ASSERT_EQ(fw.firmware, (nethsm::FirmwareVersion{3, 0}));
  ASSERT_TRUE(fw.pkcs1SignsBareHash);

  nethsm::GenerateKeyRequest req;
  req.type = nethsm::KeyType::kRsa;
  req.length = 2048;
  req.mechanisms = {nethsm::KeyMechanism::kRsaSignaturePkcs1};
  auto id = client.generateKey(req);
  ASSERT_TRUE(id) << id.error().message;
  auto info = client.getKey(*id);
  ASSERT_TRUE(info);
  auto attrs = publicKeyAttributes(*info);
  ASSERT_TRUE(attrs);
  KeyView view{*id, info->type, attrs->bits, info->mechanisms, attrs->spkiDer};
  auto pkey = publicKeyFromDer(attrs->spkiDer);
  ASSERT_TRUE(pkey);

  Bytes data(300, 7);
  CK_MECHANISM hashSign{CKM_SHA384_RSA_PKCS, nullptr, 0};
  auto op = createOperation(OperationKind::kSign, hashSign, view, client, fw);
  ASSERT_TRUE(op);
  auto sig = (*op)->single(data);
  ASSERT_TRUE(sig) << sig.error().message;
  MdCtxPtr md(EVP_MD_CTX_new());
  ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha384(), nullptr, pkey->get()), 1);
  EXPECT_EQ(EVP_DigestVerify(md.get(), sig->data(), sig->size(), data.data(), data.size()), 1);

  CK_MECHANISM raw{CKM_RSA_PKCS, nullptr, 0};
  auto refused = createOperation(OperationKind::kSign, raw, view, client, fw);
  ASSERT_TRUE(refused);
  auto r = (*refused)->single(Bytes(40, 1));  // not a DigestInfo
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pkcs11Rv, CKR_DATA_INVALID);
  server->stop();
}

}  // namespace
}  // namespace p11nethsm::mech::test
