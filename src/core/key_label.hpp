#pragma once
// CKA_LABEL of the objects of a NetHSM key (README "Key names: CKA_ID and CKA_LABEL").
// CKA_ID is the key ID (id_codec); CKA_LABEL is independent of it, and setting one
// never changes the other:
// - firmware 5.0 has key labels (POST /keys/generate "label", PUT /keys/{id}/label,
//   GET /keys?label=; nethsm::Capabilities::keyLabels, the one place that decides
//   it): valid UTF-8 of at most 32 bytes. A longer label is kept whole
//   in process memory and stored on the appliance cut to its first 32 bytes (at a
//   character boundary); other processes see the cut label.
// - before 5.0 a label given at creation or set later is kept in process memory,
//   per slot and key; other processes see the label derived from the key ID.
// One label per key: the private key, public key and certificate objects share it.
#include <optional>
#include <string>
#include <string_view>

#include "nethsm/capabilities.hpp"
#include "util/encoding.hpp"
#include "util/result.hpp"

namespace p11nethsm::core {

class Slot;

// The key's CKA_LABEL: the label this process gave it, unless the appliance shows
// another one (set by someone else since); else the appliance's label; else the key ID.
Bytes keyLabel(const std::optional<Bytes>& processLabel, const std::optional<std::string>& stored,
               const std::string& keyId);

// Labels the key `id` of the slot: remembered for this process and, on firmware with
// labels, stored on the appliance (PUT /keys/{id}/label); its objects are rebuilt.
Status labelKey(Slot& slot, const std::string& id, const Bytes& label);

}  // namespace p11nethsm::core
