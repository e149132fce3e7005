#include "util/encoding.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace p11nethsm {

std::string base64Encode(const uint8_t* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::optional<Bytes> base64Decode(std::string_view text) {
  std::string stripped;  // a copy only for text with line breaks (signatures have none)
  std::string_view clean = text;
  if (std::memchr(text.data(), '\n', text.size()) || std::memchr(text.data(), '\r', text.size())) {
    stripped.reserve(text.size());
    for (char c : text) {
      if (c != '\n' && c != '\r') stripped.push_back(c);
    }
    clean = stripped;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  if (clean.empty()) return Bytes{};
  // EVP_DecodeBlock does not reject '=' in the middle nor report padding; check here.
  size_t pad = 0;
  if (clean.back() == '=') pad = (clean[clean.size() - 2] == '=') ? 2 : 1;
  if (std::memchr(clean.data(), '=', clean.size() - pad)) return std::nullopt;
  Bytes out(clean.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string hexEncode(const uint8_t* data, size_t len, bool upper, char separator) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(len * 3);
  for (size_t i = 0; i < len; ++i) {
    if (separator != '\0' && i > 0) out.push_back(separator);
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0x0f]);
  }
  return out;
}

static int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> hexDecode(std::string_view text, bool allowColons) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (allowColons && c == ':') continue;
    int v = hexValue(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::string printableExcerpt(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace p11nethsm
