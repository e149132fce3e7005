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

// RSA 1024/2048/4096, every curve of the NetHSM, Ed25519, AES 128/192/256.
const std::vector<TestKey>& testKeys();
const TestKey& testKey(const std::string& name);
LocalAppliance& sharedAppliance();

// Runs a whole operation through createOperationWith; single-part or in `chunk`-sized
// updates (0: single).
Result<Bytes> runOperation(OperationKind kind, const CK_MECHANISM& mechanism, const KeyView& key,
                           const Bytes& input, size_t chunk = 0,
                           nethsm::FirmwareVersion firmware = {4, 0},
                           std::shared_ptr<Appliance> appliance = nullptr);
Status runVerify(const CK_MECHANISM& mechanism, const KeyView& key, const Bytes& data,
                 const Bytes& signature, size_t chunk = 0);

}  // namespace p11nethsm::mech::test
