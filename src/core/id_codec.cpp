#include "core/id_codec.hpp"

namespace p11nethsm::core {

bool isValidNetHsmId(std::string_view id) { return nethsm::isValidKeyId(id); }

std::optional<std::string> netHsmIdFromCkaId(std::span<const uint8_t> ckaId) {
  if (ckaId.empty()) return std::nullopt;
  std::string_view text(reinterpret_cast<const char*>(ckaId.data()), ckaId.size());
  if (isValidNetHsmId(text)) return std::string(text);
  if (ckaId.size() > kMaxHexIdBytes) return std::nullopt;
  return std::string(kHexIdPrefix) + hexEncode(ckaId.data(), ckaId.size(), true);
}

Bytes ckaIdFromNetHsmId(std::string_view id) {
  if (id.size() > kHexIdPrefix.size() && id.substr(0, kHexIdPrefix.size()) == kHexIdPrefix) {
    std::string_view hex = id.substr(kHexIdPrefix.size());
    auto decoded = hexDecode(hex);
    // Only an exact round trip (uppercase, even length) is an encoded binary ID.
    if (decoded && hexEncode(*decoded, true) == hex) return *decoded;
  }
  return toBytes(id);
}

}  // namespace p11nethsm::core
