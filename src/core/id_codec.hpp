#pragma once
// CKA_ID / CKA_LABEL ↔ NetHSM key ID, the same way as the Rust module
// (competitor.md §1.3) so keys made by either module look the same through both:
// a CKA_ID that is a valid NetHSM ID is used verbatim, any other is "0---" followed
// by its uppercase hex (at most 62 bytes); a NetHSM ID of that form decodes back.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "nethsm/types.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::core {

inline constexpr std::string_view kHexIdPrefix = "0---";
inline constexpr size_t kMaxNetHsmIdLength = nethsm::kMaxKeyIdLength;
inline constexpr size_t kMaxHexIdBytes = (kMaxNetHsmIdLength - kHexIdPrefix.size()) / 2;

// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, 1–128 characters (BEHAVIOUR.md §2).
bool isValidNetHsmId(std::string_view id);

// nullopt when the bytes cannot become a NetHSM ID (empty, or > 62 bytes of binary).
std::optional<std::string> netHsmIdFromCkaId(std::span<const uint8_t> ckaId);

// The CKA_ID of a NetHSM key.
Bytes ckaIdFromNetHsmId(std::string_view id);

}  // namespace p11nethsm::core
