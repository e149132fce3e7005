#pragma once
// Keys shared by the mech unit tests: generated once per process with OpenSSL and
// registered in one LocalAppliance; KeyView as core would build it.
#include <string>
#include <vector>

#include "local_appliance.hpp"
#include "mech/registry.hpp"

namespace p11nethsm::mech::test {

struct TestKey {
  std::string name;  // also the NetHSM key ID in the LocalAppliance
  PkeyPtr key;       // null for AES
  KeyView view;
};

// Where the test keys live and which Appliance runs their operations: a
// LocalAppliance unless a test program installs another backend (the integration
// test imports them into mock-nethsm and talks to it through nethsm::Client).
class KeyBackend {
 public:
  virtual ~KeyBackend() = default;
  virtual void addKey(const std::string& id, nethsm::KeyType type, EVP_PKEY* key) = 0;
  virtual void addSecret(const std::string& id, const Bytes& secret) = 0;
  virtual std::shared_ptr<Appliance> appliance() = 0;
  virtual uint64_t calls() const = 0;  // appliance requests so far
};
// Before the first testKeys(); the backend must live until the program ends.
void useKeyBackend(KeyBackend* backend);

// RSA 1024/2048/4096, every curve of the NetHSM, Ed25519, AES 128/192/256.
const std::vector<TestKey>& testKeys();
const TestKey& testKey(const std::string& name);
KeyBackend& keyBackend();

// Feeds `input` to `op`: single-part, or `chunk`-sized updates then finish (chunk > 0).
Result<Bytes> driveOperation(Operation& op, const Bytes& input, size_t chunk);

// Runs a whole operation through createOperationWith; single-part or in `chunk`-sized
// updates (0: single).
Result<Bytes> runOperation(OperationKind kind, const CK_MECHANISM& mechanism, const KeyView& key,
                           const Bytes& input, size_t chunk = 0,
                           nethsm::FirmwareVersion firmware = {4, 0},
                           std::shared_ptr<Appliance> appliance = nullptr);
Status runVerify(const CK_MECHANISM& mechanism, const KeyView& key, const Bytes& data,
                 const Bytes& signature, size_t chunk = 0);

}  // namespace p11nethsm::mech::test
