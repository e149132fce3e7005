#include "core/key_label.hpp"

#include "core/slot.hpp"

namespace p11nethsm::core {

Bytes keyLabel(const std::optional<Bytes>& processLabel, const std::optional<std::string>& stored,
               const std::string& keyId) {
  if (processLabel) {
    auto ours = nethsm::labelAsStored(toString(*processLabel));
    // GET /keys/{id} omits an empty label (BEHAVIOUR.md §5).
    if (!stored || !ours || *ours == *stored) return *processLabel;
  }
  return toBytes(stored ? *stored : keyId);
}

Status labelKey(Slot& slot, const std::string& id, const Bytes& label) {
  const nethsm::Capabilities caps = slot.client().capabilities();
  if (caps.keyLabels) {
    if (auto stored = caps.storedLabel(toString(label))) {
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
