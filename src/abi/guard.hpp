#pragma once
// The guard around every Cryptoki entry point (DESIGN.md abi/): nothing thrown
// crosses the C ABI, and a trace line names the call and its result — never an
// argument that could be secret.
#include <span>
#include <string>

#include "core/error_map.hpp"
#include "log/log.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/call_deadline.hpp"
#include "util/result.hpp"

namespace p11nethsm::abi {

std::string hexRv(CK_RV rv);

template <class Fn>
CK_RV guarded(const char* name, Fn&& fn) noexcept {
  CallScope call;  // one deadline for all the call's requests (util/call_deadline.hpp)
  CK_RV rv = CKR_GENERAL_ERROR;
  try {
    rv = fn();
  } catch (const std::bad_alloc&) {
    rv = CKR_HOST_MEMORY;
  } catch (...) {
    rv = CKR_GENERAL_ERROR;
  }
  if (log::enabled(log::Level::kTrace)) {
    try {
      log::trace(std::string(name) + " -> 0x" + hexRv(rv));
    } catch (...) {
    }
  }
  return rv;
}

template <class T>
CK_RV toRv(const Result<T>& r) {
  return core::rvOf(r);
}

// A caller's (pointer, count) array; a null pointer with a count is ARGUMENTS_BAD.
template <class T>
bool validArray(const T* p, CK_ULONG count) {
  return p != nullptr || count == 0;
}

template <class T>
std::span<const T> asSpan(const T* p, CK_ULONG count) {
  return p ? std::span<const T>(p, count) : std::span<const T>();
}

}  // namespace p11nethsm::abi
