#pragma once
// Byte encodings the NetHSM API uses (RFC 4648 base64 with padding, hex), random
// bytes and server-generated IDs. Base64 is OpenSSL's EVP codec, not our own.
#include <openssl/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace p11nethsm::mock {

using Bytes = std::vector<uint8_t>;

std::string base64Encode(const Bytes& data);
std::string base64Encode(const std::string& data);
// Strict RFC 4648 §4 with padding; '\n' is removed first like the firmware does for
// sign/decrypt/encrypt payloads. nullopt on malformed input.
std::optional<Bytes> base64Decode(const std::string& text);

std::string hexEncode(const Bytes& data, bool upper = false, char separator = '\0');
std::optional<Bytes> hexDecode(const std::string& text);

Bytes randomBytes(size_t length);
// Server-generated key and user IDs: 20 lowercase hex characters (10 random bytes).
std::string generateId();

// The bytes written to a memory BIO (PEM output), which is then freed.
std::string drainBio(BIO* bio);

Bytes toBytes(const std::string& s);
std::string toString(const Bytes& b);

}  // namespace p11nethsm::mock
