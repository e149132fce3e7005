#pragma once
// Helpers of the libFuzzer targets (tests/fuzz): reading the fuzzer's bytes as small
// numbers, byte strings and CK_ATTRIBUTE templates.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "p11nethsm/pkcs11.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(data, size) {}

  bool empty() const { return rest_.empty(); }
  uint8_t byte() {
    if (rest_.empty()) return 0;
    uint8_t b = rest_[0];
    rest_ = rest_.subspan(1);
    return b;
  }
  uint16_t u16() { return static_cast<uint16_t>(byte() << 8 | byte()); }
  Bytes bytes(size_t n) {
    n = std::min(n, rest_.size());
    Bytes out(rest_.begin(), rest_.begin() + static_cast<std::ptrdiff_t>(n));
    rest_ = rest_.subspan(n);
    return out;
  }
  std::string restAsString() {
    std::string out(rest_.begin(), rest_.end());
    rest_ = {};
    return out;
  }

 private:
  std::span<const uint8_t> rest_;
};

// The attribute types templates are made of (the ones the readers look at, plus a
// vendor-defined and an unknown one).
inline constexpr CK_ATTRIBUTE_TYPE kAttributeTypes[] = {CKA_CLASS,
                                                        CKA_KEY_TYPE,
                                                        CKA_TOKEN,
                                                        CKA_PRIVATE,
                                                        CKA_LABEL,
                                                        CKA_ID,
                                                        CKA_VALUE,
                                                        CKA_VALUE_LEN,
                                                        CKA_MODULUS,
                                                        CKA_MODULUS_BITS,
                                                        CKA_PUBLIC_EXPONENT,
                                                        CKA_PRIME_1,
                                                        CKA_PRIME_2,
                                                        CKA_PRIVATE_EXPONENT,
                                                        CKA_EC_PARAMS,
                                                        CKA_EC_POINT,
                                                        CKA_SIGN,
                                                        CKA_VERIFY,
                                                        CKA_DECRYPT,
                                                        CKA_ENCRYPT,
                                                        CKA_WRAP,
                                                        CKA_UNWRAP,
                                                        CKA_DERIVE,
                                                        CKA_SENSITIVE,
                                                        CKA_EXTRACTABLE,
                                                        CKA_MODIFIABLE,
                                                        CKA_ALLOWED_MECHANISMS,
                                                        CKA_KEY_GEN_MECHANISM,
                                                        CKA_PUBLIC_KEY_INFO,
                                                        CKA_CERTIFICATE_TYPE,
                                                        CKA_SUBJECT,
                                                        CKA_VENDOR_DEFINED | 1,
                                                        0x7fff};

// A template read from the fuzzer's bytes: per attribute a type index, a length byte
// and that many value bytes; length 255 stands for a NULL pValue with the next byte
// as ulValueLen (callers do pass such templates). The template owns its values.
class FuzzTemplate {
 public:
  explicit FuzzTemplate(FuzzInput& in, size_t maxAttributes = 16) {
    while (!in.empty() && attributes_.size() < maxAttributes) {
      CK_ATTRIBUTE a{};
      a.type = kAttributeTypes[in.byte() % std::size(kAttributeTypes)];
      const uint8_t len = in.byte();
      if (len == 255) {
        a.ulValueLen = in.byte();
      } else {
        values_.push_back(std::make_unique<Bytes>(in.bytes(len)));
        a.pValue = values_.back()->data();
        a.ulValueLen = static_cast<CK_ULONG>(values_.back()->size());
      }
      attributes_.push_back(a);
    }
  }
  std::span<const CK_ATTRIBUTE> attributes() const { return attributes_; }
  std::vector<CK_ATTRIBUTE>& mutableAttributes() { return attributes_; }

 private:
  std::vector<std::unique_ptr<Bytes>> values_;  // stable addresses for pValue
  std::vector<CK_ATTRIBUTE> attributes_;
};

}  // namespace p11nethsm::fuzz
