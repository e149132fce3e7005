#include "test_keys.hpp"

#include "mech/appliance.hpp"
#include "mech/ec_curve.hpp"

namespace p11nethsm::mech::test {
namespace {

class LocalBackend final : public KeyBackend {
 public:
  void addKey(const std::string& id, nethsm::KeyType, EVP_PKEY* key) override {
    local_->addKey(id, key);
  }
  void addSecret(const std::string& id, const Bytes& secret) override {
    local_->addSecret(id, secret);
  }
  std::shared_ptr<Appliance> appliance() override { return local_; }
  uint64_t calls() const override { return static_cast<uint64_t>(local_->calls()); }

 private:
  std::shared_ptr<LocalAppliance> local_ = std::make_shared<LocalAppliance>();
};

KeyBackend*& backendSlot() {
  static KeyBackend* backend = nullptr;
  return backend;
}

TestKey asymmetric(const std::string& name, nethsm::KeyType type, PkeyPtr key) {
  TestKey k;
  k.name = name;
  k.view.nethsmId = name;
  k.view.type = type;
  const CurveInfo* curve = curveForKeyType(type);
  k.view.bits = curve ? curve->bits : static_cast<unsigned>(EVP_PKEY_get_bits(key.get()));
  k.view.mechanisms = nethsm::mechanismsAllowedFor(type);
  k.view.publicKeyDer = spkiOf(key.get());
  keyBackend().addKey(name, type, key.get());
  k.key = std::move(key);
  return k;
}

TestKey aes(const std::string& name, size_t bytes) {
  TestKey k;
  k.name = name;
  k.view.nethsmId = name;
  k.view.type = nethsm::KeyType::kGeneric;
  k.view.bits = static_cast<unsigned>(bytes * 8);
  k.view.mechanisms = {nethsm::KeyMechanism::kAesEncryptionCbc,
                       nethsm::KeyMechanism::kAesDecryptionCbc};
  keyBackend().addSecret(name, randomBytes(bytes));
  return k;
}

std::vector<TestKey> makeKeys() {
  std::vector<TestKey> keys;
  for (unsigned bits : {1024U, 2048U, 4096U}) {
    keys.push_back(
        asymmetric("rsa" + std::to_string(bits), nethsm::KeyType::kRsa, generateRsa(bits)));
  }
  for (const auto& c : allCurves()) {
    if (!curveAvailable(c, nethsm::capabilitiesOf({4, 0})))
      continue;  // P-224 left NetHSM firmware in 3.0
    if (c.edwards) {
      keys.push_back(asymmetric("ed25519", c.type, generateEd25519()));
    } else {
      keys.push_back(asymmetric(c.groupName, c.type, generateEc(c.groupName)));
    }
  }
  for (size_t bytes : {16U, 24U, 32U})
    keys.push_back(aes("aes" + std::to_string(bytes * 8), bytes));
  return keys;
}

}  // namespace

const std::vector<TestKey>& testKeys() {
  static const auto* keys = new std::vector<TestKey>(makeKeys());
  return *keys;
}

const TestKey& testKey(const std::string& name) {
  for (const auto& k : testKeys()) {
    if (k.name == name) return k;
  }
  static const TestKey* none = new TestKey();
  return *none;
}

void useKeyBackend(KeyBackend* backend) { backendSlot() = backend; }

KeyBackend& keyBackend() {
  if (backendSlot() == nullptr) backendSlot() = new LocalBackend();
  return *backendSlot();
}

Result<Bytes> driveOperation(Operation& op, const Bytes& input, size_t chunk) {
  if (chunk == 0) return op.single(input);
  Bytes out;
  for (size_t off = 0; off < input.size(); off += chunk) {
    size_t n = std::min(chunk, input.size() - off);
    auto part = op.update(std::span<const uint8_t>(input.data() + off, n));
    if (!part) return part.error();
    out.insert(out.end(), part->begin(), part->end());
  }
  auto last = op.finish();
  if (!last) return last.error();
  out.insert(out.end(), last->begin(), last->end());
  return out;
}

Result<Bytes> runOperation(OperationKind kind, const CK_MECHANISM& mechanism, const KeyView& key,
                           const Bytes& input, size_t chunk, nethsm::FirmwareVersion firmware,
                           std::shared_ptr<Appliance> appliance) {
  testKeys();
  if (!appliance) appliance = keyBackend().appliance();
  auto op = createOperationWith(kind, mechanism, key, appliance, nethsm::capabilitiesOf(firmware));
  if (!op) return op.error();
  return driveOperation(**op, input, chunk);
}

Status runVerify(const CK_MECHANISM& mechanism, const KeyView& key, const Bytes& data,
                 const Bytes& signature, size_t chunk) {
  auto op = createOperationWith(OperationKind::kVerify, mechanism, key, keyBackend().appliance(),
                                nethsm::capabilitiesOf({4, 0}));
  if (!op) return op.error();
  if (chunk == 0) return (*op)->verify(data, signature);
  for (size_t off = 0; off < data.size(); off += chunk) {
    size_t n = std::min(chunk, data.size() - off);
    auto part = (*op)->update(std::span<const uint8_t>(data.data() + off, n));
    if (!part) return part.error();
  }
  return (*op)->verifyFinish(signature);
}

}  // namespace p11nethsm::mech::test
