// nethsm::Client as the operations' Appliance, and the default verify entry points of
// Operation (only verify operations override them).
#include "mech/appliance.hpp"

#include "mech/ossl.hpp"

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

Status Operation::verify(std::span<const uint8_t>, std::span<const uint8_t>) {
  return ckError(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation");
}

Status Operation::verifyFinish(std::span<const uint8_t>) {
  return ckError(CKR_OPERATION_NOT_INITIALIZED, "not a verify operation");
}

}  // namespace p11nethsm::mech
