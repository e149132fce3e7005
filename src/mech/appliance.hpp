#pragma once
// What the operations need of the NetHSM: the three key-use endpoints (BEHAVIOUR.md
// §6). An interface so that the operations are the same whether they talk to
// nethsm::Client (production, integration tests against mock-nethsm) or to a local
// stand-in in unit tests. Implementations are called without any lock held, and from
// several threads of one call at once when parallelRequests() > 1.
#include <memory>
#include <optional>
#include <string>

#include "mech/operation.hpp"
#include "nethsm/client.hpp"

namespace p11nethsm::mech {

class Appliance {
 public:
  virtual ~Appliance() = default;
  // POST /keys/{id}/sign: `message` is what the mode expects (digest, DigestInfo…).
  virtual Result<Bytes> sign(const std::string& keyId, nethsm::SignMode mode,
                             const Bytes& message) = 0;
  // POST /keys/{id}/decrypt; `iv` only for AES_CBC.
  virtual Result<Bytes> decrypt(const std::string& keyId, nethsm::DecryptMode mode,
                                const Bytes& data, const std::optional<Bytes>& iv) = 0;
  // POST /keys/{id}/encrypt, mode AES_CBC, whole blocks, caller-chosen IV.
  virtual Result<Bytes> encryptAesCbc(const std::string& keyId, const Bytes& message,
                                      const Bytes& iv) = 0;
  // How many requests of one call may be in flight at once (aes_block.hpp); 1 means
  // strictly one after the other on the caller's thread.
  virtual size_t parallelRequests() const { return 1; }
};

// Adapter over nethsm::Client; `client` must outlive the returned object. Up to
// `parallelRequests` requests of one call go out at once (1: no module threads).
std::shared_ptr<Appliance> clientAppliance(nethsm::Client& client, size_t parallelRequests = 1);

// createOperation (registry.hpp) with an explicit appliance.
Result<std::unique_ptr<Operation>> createOperationWith(OperationKind kind,
                                                       const CK_MECHANISM& mechanism,
                                                       const KeyView& key,
                                                       std::shared_ptr<Appliance> appliance,
                                                       const nethsm::Capabilities& caps);

}  // namespace p11nethsm::mech
