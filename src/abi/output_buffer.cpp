#include "abi/output_buffer.hpp"

#include <cstring>

#include "abi/guard.hpp"

namespace p11nethsm::abi {

CK_RV deliverOutput(CK_SESSION_HANDLE session, core::OpType type, core::Stage stage,
                    std::span<const uint8_t> input, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  if (!outLen) {
    core::endOperation(session, type);
    return CKR_ARGUMENTS_BAD;
  }
  auto output = core::produceOutput(session, type, stage, input,
                                    out ? core::OutputCapacity(*outLen) : std::nullopt);
  if (!output) return toRv(output);
  *outLen = static_cast<CK_ULONG>(output->size);
  if (!output->data) return out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
  if (!output->data->empty()) std::memcpy(out, output->data->data(), output->data->size());
  return CKR_OK;
}

CK_RV fillAttributes(const std::vector<core::AttributeValue>& values, CK_ATTRIBUTE_PTR tmpl) {
  CK_RV rv = CKR_OK;
  auto fail = [&rv](CK_RV code) {
    if (rv == CKR_OK) rv = code;
  };
  for (size_t i = 0; i < values.size(); ++i) {
    CK_ATTRIBUTE& a = tmpl[i];
    const auto& v = values[i];
    if (v.state == core::AttributeState::kInvalid) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      fail(CKR_ATTRIBUTE_TYPE_INVALID);
    } else if (v.state == core::AttributeState::kSensitive) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      fail(CKR_ATTRIBUTE_SENSITIVE);
    } else if (!a.pValue) {
      a.ulValueLen = static_cast<CK_ULONG>(v.value.size());
    } else if (a.ulValueLen < v.value.size()) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      fail(CKR_BUFFER_TOO_SMALL);
    } else {
      if (!v.value.empty()) std::memcpy(a.pValue, v.value.data(), v.value.size());
      a.ulValueLen = static_cast<CK_ULONG>(v.value.size());
    }
  }
  return rv;
}

}  // namespace p11nethsm::abi
