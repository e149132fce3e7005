#include "codec.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace p11nethsm::mock {

std::string base64Encode(const Bytes& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64Encode(const std::string& data) { return base64Encode(toBytes(data)); }

std::optional<Bytes> base64Decode(const std::string& input) {
  std::string text;
  text.reserve(input.size());
  for (char c : input) {
    if (c != '\n') text.push_back(c);
  }
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  Bytes out(text.size() / 4 * 3 + 1);
  // EVP_DecodeBlock does not strip padding: count '=' to trim the output.
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad++;
  if (text.size() > 1 && text[text.size() - 2] == '=') pad++;
  for (size_t i = 0; i + pad < text.size(); ++i) {
    if (text[i] == '=') return std::nullopt;  // '=' only as trailing padding
  }
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string hexEncode(const Bytes& data, bool upper, char separator) {
  static const char* kLower = "0123456789abcdef";
  static const char* kUpper = "0123456789ABCDEF";
  const char* digits = upper ? kUpper : kLower;
  std::string out;
  for (size_t i = 0; i < data.size(); ++i) {
    if (i > 0 && separator != '\0') out.push_back(separator);
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

std::optional<Bytes> hexDecode(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]);
    int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

Bytes randomBytes(size_t length) {
  Bytes out(length);
  if (length > 0) RAND_bytes(out.data(), static_cast<int>(length));
  return out;
}

std::string generateId() { return hexEncode(randomBytes(10)); }

std::string drainBio(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len > 0 ? len : 0));
  BIO_free(bio);
  return out;
}

Bytes toBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string toString(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace p11nethsm::mock
