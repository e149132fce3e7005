// nethsm::Client as the operations' Appliance, and createOperation on top of it. Kept
// apart from the registry so that code using only createOperationWith (unit tests)
// does not link the HTTP client.
#include "mech/appliance.hpp"

#include <openssl/crypto.h>

#include "log/log.hpp"
#include "mech/aes_block.hpp"
#include "mech/ossl.hpp"
#include "mech/registry.hpp"

namespace p11nethsm::mech {
namespace {

class ClientAppliance final : public Appliance {
 public:
  ClientAppliance(nethsm::Client& client, size_t parallelRequests)
      : client_(client), parallelRequests_(parallelRequests) {}

  Result<Bytes> sign(const std::string& keyId, nethsm::SignMode mode,
                     const Bytes& message) override {
    return client_.sign(keyId, mode, message);
  }

  Result<Bytes> decrypt(const std::string& keyId, nethsm::DecryptMode mode, const Bytes& data,
                        const std::optional<Bytes>& iv) override {
    return client_.decrypt(keyId, mode, data, iv);
  }

  Result<Bytes> encryptAesCbc(const std::string& keyId, const Bytes& message,
                              const Bytes& iv) override {
    auto r = client_.encryptAesCbc(keyId, message, iv);
    if (!r) return r.error();
    // The answer names the IV used; one that ignored ours would give wrong blocks.
    if (r->iv != iv) {
      OPENSSL_cleanse(r->encrypted.data(), r->encrypted.size());
      log::error("POST /keys/" + keyId + "/encrypt: the answer names another IV than the one sent");
      return ckError(CKR_DEVICE_ERROR, "POST /keys/{id}/encrypt used another IV than the one sent");
    }
    return std::move(r->encrypted);
  }

  size_t parallelRequests() const override { return parallelRequests_; }

 private:
  nethsm::Client& client_;
  size_t parallelRequests_;
};

}  // namespace

std::shared_ptr<Appliance> clientAppliance(nethsm::Client& client, size_t parallelRequests) {
  return std::make_shared<ClientAppliance>(client, parallelRequests);
}

Result<std::unique_ptr<Operation>> createOperation(OperationKind kind,
                                                   const CK_MECHANISM& mechanism,
                                                   const KeyView& key, nethsm::Client& client,
                                                   const nethsm::Capabilities& caps,
                                                   bool threadsAllowed) {
  size_t parallel = threadsAllowed ? kBlockRequestWorkers : 1;
  return createOperationWith(kind, mechanism, key, clientAppliance(client, parallel), caps);
}

}  // namespace p11nethsm::mech
