// The firmware rules (capabilities.hpp): the one place where the module compares
// firmware versions. Each rule names where the firmware shows it (BEHAVIOUR.md §9,
// nethsm-api.yaml for 5.0).
#include "nethsm/capabilities.hpp"

#include <openssl/asn1.h>

#include <tuple>

namespace p11nethsm::nethsm {
namespace {

constexpr FirmwareVersion kAssumedFirmware{4, 0};
constexpr FirmwareVersion kFirstWithMove{3, 0};          // POST /keys/{id}/move
constexpr FirmwareVersion kPkcs1BareHashFirmware{3, 0};  // §9: 3.0 only
constexpr FirmwareVersion kFirstWithNewCurves{3, 0};     // secp256k1, Brainpool; no P-224
constexpr FirmwareVersion kFirstWithLabels{5, 0};        // key labels
constexpr size_t kMaxLabelBytes = 32;                    // KeyLabel maxLength, 5.0

// The only ordering of firmware versions in the module (types.hpp has none).
bool atLeast(FirmwareVersion v, FirmwareVersion first) {
  return std::tie(v.major, v.minor) >= std::tie(first.major, first.minor);
}

bool curvesOfThreeZero(KeyType type) {
  switch (type) {
    case KeyType::kEcP256K1:
    case KeyType::kBrainpoolP256:
    case KeyType::kBrainpoolP384:
    case KeyType::kBrainpoolP512:
      return true;
    default:
      return false;
  }
}

void setKeyTypes(Capabilities& caps) {
  const bool newCurves = atLeast(caps.firmware, kFirstWithNewCurves);
  for (size_t i = 0; i < caps.keyTypes.size(); ++i) {
    const auto type = static_cast<KeyType>(i);
    if (type == KeyType::kEcP224) {
      caps.keyTypes[i] = !newCurves;
    } else {
      caps.keyTypes[i] = !curvesOfThreeZero(type) || newCurves;
    }
  }
}

}  // namespace

Capabilities capabilitiesOf(FirmwareVersion firmware) {
  Capabilities caps;
  caps.firmware = firmware;
  caps.firmwareKnown = true;
  caps.keyLabels = atLeast(firmware, kFirstWithLabels);
  caps.maxLabelBytes = caps.keyLabels ? kMaxLabelBytes : 0;
  caps.keyMove = atLeast(firmware, kFirstWithMove);
  caps.pkcs1SignsBareHash = firmware == kPkcs1BareHashFirmware;
  setKeyTypes(caps);
  return caps;
}

Capabilities assumedCapabilities() {
  Capabilities caps = capabilitiesOf(kAssumedFirmware);
  caps.firmwareKnown = false;
  return caps;
}

FirmwareVersion firmwareShowingLabels() { return kFirstWithLabels; }

std::optional<std::string> Capabilities::storedLabel(std::string_view label) const {
  if (!keyLabels) return std::nullopt;
  return labelAsStored(label);
}

std::optional<std::string> labelAsStored(std::string_view label) {
  size_t cut = 0;
  for (size_t at = 0; at < label.size();) {
    unsigned long codePoint = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(label.data() + at);
    int n = UTF8_getc(p, static_cast<int>(label.size() - at), &codePoint);
    if (n <= 0) return std::nullopt;  // the appliance takes valid UTF-8 only
    at += static_cast<size_t>(n);
    if (at <= kMaxLabelBytes) cut = at;
  }
  return std::string(label.substr(0, cut));
}

}  // namespace p11nethsm::nethsm
