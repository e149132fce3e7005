#include "util/secret.hpp"

#include <openssl/crypto.h>

namespace p11nethsm {

SecretString::SecretString(SecretString&& other) noexcept : value_(other.value_) { other.wipe(); }

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = other.value_;
    other.wipe();
  }
  return *this;
}

void SecretString::wipe() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
  value_.shrink_to_fit();
}

bool SecretString::operator==(const SecretString& other) const {
  return value_.size() == other.value_.size() &&
         CRYPTO_memcmp(value_.data(), other.value_.data(), value_.size()) == 0;
}

}  // namespace p11nethsm
