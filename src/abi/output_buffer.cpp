#include "abi/output_buffer.hpp"

#include <cstring>

#include "abi/guard.hpp"

namespace p11nethsm::abi {
namespace {

CK_RV copyBytes(const Bytes& data, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  if (!data.empty()) std::memcpy(out, data.data(), data.size());
  *outLen = static_cast<CK_ULONG>(data.size());
  return CKR_OK;
}

}  // namespace

CK_RV deliverOutput(CK_SESSION_HANDLE session, core::OpType type, core::Stage stage,
                    size_t inputLen, CK_BYTE_PTR out, CK_ULONG_PTR outLen,
                    const std::function<Result<Bytes>()>& compute) {
  if (!outLen) {
    core::endOperation(session, type);
    return CKR_ARGUMENTS_BAD;
  }
  auto pending = core::pendingOutput(session, type, stage);
  if (!pending) return toRv(pending);
  if (pending.value()) {  // computed by an earlier call whose buffer was too small
    const Bytes& data = *pending.value();
    if (!out) return (*outLen = static_cast<CK_ULONG>(data.size()), CKR_OK);
    if (*outLen < data.size())
      return (*outLen = static_cast<CK_ULONG>(data.size()), CKR_BUFFER_TOO_SMALL);
    core::pendingDelivered(session, type, stage);
    return copyBytes(data, out, outLen);
  }
  auto bound = core::outputBound(session, type, stage, inputLen);
  if (!bound) return toRv(bound);
  if (bound->known && (!out || (bound->exact && *outLen < bound->size))) {
    bool query = !out;
    *outLen = static_cast<CK_ULONG>(bound->size);
    return query ? CKR_OK : CKR_BUFFER_TOO_SMALL;
  }
  auto result = compute();
  if (!result) return toRv(result);
  const Bytes& data = result.value();
  if (!out || *outLen < data.size()) {
    bool query = !out;
    auto stored = core::storePendingOutput(session, type, stage, data);
    if (!stored) return toRv(stored);
    *outLen = static_cast<CK_ULONG>(data.size());
    return query ? CKR_OK : CKR_BUFFER_TOO_SMALL;
  }
  return copyBytes(data, out, outLen);
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
