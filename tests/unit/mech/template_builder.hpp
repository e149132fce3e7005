#pragma once
// Builds CK_ATTRIBUTE templates whose values stay alive with the builder.
#include <deque>
#include <vector>

#include "p11nethsm/pkcs11.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::mech::test {

class Template {
 public:
  Template& boolean(CK_ATTRIBUTE_TYPE t, bool v) {
    return raw(t, Bytes{static_cast<uint8_t>(v ? CK_TRUE : CK_FALSE)});
  }
  Template& ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    return raw(t, Bytes(p, p + sizeof v));
  }
  Template& raw(CK_ATTRIBUTE_TYPE t, Bytes v) {
    values_.push_back(std::move(v));
    attrs_.push_back({t, values_.back().data(), static_cast<CK_ULONG>(values_.back().size())});
    return *this;
  }
  std::vector<CK_ATTRIBUTE> attrs() const { return attrs_; }

 private:
  std::deque<Bytes> values_;
  std::vector<CK_ATTRIBUTE> attrs_;
};

}  // namespace p11nethsm::mech::test
