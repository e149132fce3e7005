#pragma once
// A string that holds a PIN, password or key byte: wiped on destruction and never
// printable (no operator<<), so it cannot end up in a log by accident.
#include <string>
#include <string_view>

namespace p11nethsm {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view value) : value_(value) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(const SecretString& other);
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString() { wipe(); }

  // Deliberately named: every use of the plaintext is greppable.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }
  void wipe();
  bool operator==(const SecretString& other) const;  // constant-time compare

 private:
  std::string value_;
};

}  // namespace p11nethsm
