#include "core/key_label.hpp"

#include <openssl/asn1.h>

#include "core/slot.hpp"

namespace p11nethsm::core {

bool firmwareHasKeyLabels(nethsm::FirmwareVersion firmware) {
  return firmware >= nethsm::FirmwareVersion{5, 0};
}

std::optional<std::string> applianceLabel(std::string_view label) {
  size_t cut = 0;
  for (size_t at = 0; at < label.size();) {
    unsigned long codePoint = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(label.data() + at);
    int n = UTF8_getc(p, static_cast<int>(label.size() - at), &codePoint);
    if (n <= 0) return std::nullopt;  // the appliance takes valid UTF-8 only
    at += static_cast<size_t>(n);
    if (at <= kMaxApplianceLabelBytes) cut = at;
  }
  return std::string(label.substr(0, cut));
}

Bytes keyLabel(const std::optional<Bytes>& processLabel, const std::optional<std::string>& stored,
               const std::string& keyId) {
  if (processLabel) {
    auto ours = applianceLabel(toString(*processLabel));
    // GET /keys/{id} omits an empty label (BEHAVIOUR.md §5).
    if (!stored || !ours || *ours == *stored) return *processLabel;
  }
  return toBytes(stored ? *stored : keyId);
}

Status labelKey(Slot& slot, const std::string& id, const Bytes& label) {
  if (firmwareHasKeyLabels(slot.client().firmwareVersion())) {
    if (auto stored = applianceLabel(toString(label))) {
      if (auto set = slot.client().setLabel(id, *stored); !set) return set;
    }
    slot.objects().rememberLabel(id, label);
    auto reloaded = slot.objects().reload(id);  // the appliance's label changed too
    if (!reloaded) return reloaded.error();
    return okStatus();
  }
  slot.objects().rememberLabel(id, label);
  return okStatus();
}

}  // namespace p11nethsm::core
