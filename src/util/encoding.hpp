#pragma once
// Byte encodings used on the NetHSM API and in the configuration. Base64 is
// OpenSSL's EVP encoder; hex is trivial enough to keep here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p11nethsm {

using Bytes = std::vector<uint8_t>;

inline Bytes toBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string toString(const Bytes& b) { return std::string(b.begin(), b.end()); }

// Standard RFC 4648 alphabet with padding (what the NetHSM sends and accepts).
std::string base64Encode(const uint8_t* data, size_t len);
inline std::string base64Encode(const Bytes& b) { return base64Encode(b.data(), b.size()); }
inline std::string base64Encode(std::string_view s) {
  return base64Encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
// Returns nullopt on any character outside the alphabet or bad padding.
// Newlines are ignored, as the firmware does.
std::optional<Bytes> base64Decode(std::string_view text);

std::string hexEncode(const uint8_t* data, size_t len, bool upper = false, char separator = '\0');
inline std::string hexEncode(const Bytes& b, bool upper = false, char separator = '\0') {
  return hexEncode(b.data(), b.size(), upper, separator);
}
// Accepts upper/lower case; ignores ':' separators when allowColons.
std::optional<Bytes> hexDecode(std::string_view text, bool allowColons = false);

// Text from the network made fit for one log line: at most `max` characters, bytes
// outside printable ASCII shown as '?', "..." when cut.
std::string printableExcerpt(std::string_view text, size_t max = 64);

}  // namespace p11nethsm
