// Core attribute reading (PKCS#11 v2.40 §5.7): C_FindObjects template matching and
// the C_GetAttributeValue two-call rule (abi/output_buffer) on objects made from a
// fuzzed key description, with caller templates of any types, lengths and NULL
// pointers (a caller's buffer is as long as it says). First byte: how many
// attributes the key description takes; then the description, then the template.
#include <cstddef>
#include <cstdint>

#include "abi/output_buffer.hpp"
#include "core/object.hpp"
#include "fuzz_input.hpp"
#include "nethsm/json_codec.hpp"

namespace {

using namespace p11nethsm;

// C_GetAttributeValue's per-attribute lookup, as core::attributeValues does it.
std::vector<core::AttributeValue> valuesOf(const core::Object& o,
                                           std::span<const CK_ATTRIBUTE> tmpl) {
  std::vector<core::AttributeValue> out;
  for (const auto& a : tmpl) {
    core::AttributeValue v;
    if (o.sensitive.count(a.type)) {
      v.state = core::AttributeState::kSensitive;
    } else if (auto it = o.attributes.find(a.type); it != o.attributes.end()) {
      v.state = core::AttributeState::kPresent;
      v.value = it->second;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const size_t descriptionLength = in.u16();
  const Bytes description = in.bytes(descriptionLength);
  auto key = nethsm::json_codec::parseKeyInfo(toString(description), "fuzzkey");
  if (!key) return 0;
  core::KeySource source;
  source.key = *key;
  fuzz::FuzzTemplate tmpl(in);
  for (const auto& object : core::buildObjects(source)) {
    (void)core::matchesTemplate(object, tmpl.attributes());
    std::vector<CK_ATTRIBUTE> request(tmpl.attributes().begin(), tmpl.attributes().end());
    (void)abi::fillAttributes(valuesOf(object, request), request.data());
  }
  return 0;
}
