#include "test_keys.hpp"

#include "mech/appliance.hpp"
#include "mech/ec_curve.hpp"

namespace p11nethsm::mech::test {
namespace {

std::shared_ptr<LocalAppliance>& applianceHolder() {
  static auto* holder = new std::shared_ptr<LocalAppliance>(std::make_shared<LocalAppliance>());
  return *holder;
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
  applianceHolder()->addKey(name, key.get());
  k.key = std::move(key);
  return k;
}

TestKey aes(const std::string& name, size_t bytes) {
  TestKey k;
  k.name = name;
  k.view.nethsmId = name;
  k.view.type = nethsm::KeyType::kGeneric;
  k.view.bits = static_cast<unsigned>(bytes * 8);
  k.view.mechanisms = {nethsm::KeyMechanism::kAesEncryptionCbc, nethsm::KeyMechanism::kAesDecryptionCbc};
  applianceHolder()->addSecret(name, randomBytes(bytes));
  return k;
}

std::vector<TestKey> makeKeys() {
  std::vector<TestKey> keys;
  for (unsigned bits : {1024U, 2048U, 4096U}) {
    keys.push_back(asymmetric("rsa" + std::to_string(bits), nethsm::KeyType::kRsa, generateRsa(bits)));
  }
  for (const auto& c : allCurves()) {
    if (c.edwards) {
      keys.push_back(asymmetric("ed25519", c.type, generateEd25519()));
    } else {
      keys.push_back(asymmetric(c.groupName, c.type, generateEc(c.groupName)));
    }
  }
  for (size_t bytes : {16U, 24U, 32U}) keys.push_back(aes("aes" + std::to_string(bytes * 8), bytes));
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

LocalAppliance& sharedAppliance() {
  testKeys();
  return *applianceHolder();
}

Result<Bytes> runOperation(OperationKind kind, const CK_MECHANISM& mechanism, const KeyView& key,
                           const Bytes& input, size_t chunk, nethsm::FirmwareVersion firmware,
                           std::shared_ptr<Appliance> appliance) {
  testKeys();
  if (!appliance) appliance = applianceHolder();
  auto op = createOperationWith(kind, mechanism, key, appliance, firmware);
  if (!op) return op.error();
  if (chunk == 0) return (*op)->single(input);
  Bytes out;
  for (size_t off = 0; off < input.size(); off += chunk) {
    size_t n = std::min(chunk, input.size() - off);
    auto part = (*op)->update(std::span<const uint8_t>(input.data() + off, n));
    if (!part) return part.error();
    out.insert(out.end(), part->begin(), part->end());
  }
  auto last = (*op)->finish();
  if (!last) return last.error();
  out.insert(out.end(), last->begin(), last->end());
  return out;
}

Status runVerify(const CK_MECHANISM& mechanism, const KeyView& key, const Bytes& data,
                 const Bytes& signature, size_t chunk) {
  auto op = createOperationWith(OperationKind::kVerify, mechanism, key, applianceHolder(), {4, 0});
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
