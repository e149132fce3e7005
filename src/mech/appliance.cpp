// nethsm::Client as the operations' Appliance, and createOperation on top of it. Kept
// apart from the registry so that code using only createOperationWith (unit tests)
// does not link the HTTP client.
#include "mech/appliance.hpp"

#include "mech/ossl.hpp"
#include "mech/registry.hpp"

namespace p11nethsm::mech {
namespace {

class ClientAppliance final : public Appliance {
 public:
  explicit ClientAppliance(nethsm::Client& client) : client_(client) {}

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
    return std::move(r->encrypted);
  }

 private:
  nethsm::Client& client_;
};

}  // namespace

std::shared_ptr<Appliance> clientAppliance(nethsm::Client& client) {
  return std::make_shared<ClientAppliance>(client);
}

Result<std::unique_ptr<Operation>> createOperation(OperationKind kind,
                                                   const CK_MECHANISM& mechanism,
                                                   const KeyView& key, nethsm::Client& client,
                                                   nethsm::FirmwareVersion firmware) {
  return createOperationWith(kind, mechanism, key, clientAppliance(client), firmware);
}

}  // namespace p11nethsm::mech
