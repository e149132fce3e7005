#pragma once
// What the appliance's firmware can do (DESIGN.md "The seam"), as one value computed
// once from the firmware version the client learns (GET /system/info
// "softwareVersion", or a key label in an answer). Every firmware version rule of the
// module lives in capabilities.cpp; core, mech and the client ask this value and never
// compare versions themselves. BEHAVIOUR.md §9 lists the firmware differences.
#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "nethsm/types.hpp"

namespace p11nethsm::nethsm {

struct Capabilities {
  // Declared so that this is no aggregate: `{4, 0}` must not silently mean a value
  // with a version and nothing offered. Made by capabilitiesOf / assumedCapabilities.
  Capabilities() = default;

  // The version these were computed from; C_GetTokenInfo reports it. When the
  // version is not known (yet), firmware 4.0's rules apply (assumedCapabilities).
  FirmwareVersion firmware;
  bool firmwareKnown = false;
  // 5.0: "label" on POST /keys/generate and PUT /keys/{id}, PUT /keys/{id}/label,
  // GET /keys?label=; labels of at most maxLabelBytes bytes of UTF-8 (0 without).
  bool keyLabels = false;
  size_t maxLabelBytes = 0;
  // 3.0: POST /keys/{id}/move renames a key.
  bool keyMove = false;
  // Exactly 3.0: the PKCS1 sign mode adds the DigestInfo itself and takes the bare
  // hash (3.1 went back to padding the bytes given).
  bool pkcs1SignsBareHash = false;

  // The key types (curves) the firmware offers: P-224 before 3.0, secp256k1 and
  // Brainpool from 3.0 on, the rest always.
  bool offersKeyType(KeyType type) const { return keyTypes.test(static_cast<size_t>(type)); }
  // What the appliance stores for `label` (labelAsStored); nullopt without key labels
  // or for a label that is not valid UTF-8 (then it lives in process memory only).
  std::optional<std::string> storedLabel(std::string_view label) const;

  std::bitset<static_cast<size_t>(KeyType::kGeneric) + 1> keyTypes;
};

// The capabilities of `firmware`.
Capabilities capabilitiesOf(FirmwareVersion firmware);
// Those assumed while the version is unknown (no administrator credentials to ask
// /system/info, which is Administrator-only, BEHAVIOUR.md §2): firmware 4.0's.
Capabilities assumedCapabilities();
// The firmware a key label in an answer proves: only 5.0 and later show labels.
FirmwareVersion firmwareShowingLabels();

// `label` as firmware with key labels stores it: whole when it fits the 5.0 limit of
// 32 bytes, else its first bytes cut at a UTF-8 character boundary; nullopt when it
// is not valid UTF-8 (the appliance takes valid UTF-8 only).
std::optional<std::string> labelAsStored(std::string_view label);

}  // namespace p11nethsm::nethsm
