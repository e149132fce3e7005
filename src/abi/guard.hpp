#pragma once
// The guard around every Cryptoki entry point (DESIGN.md abi/): nothing thrown
// crosses the C ABI, a trace line names the call and its result — never an
// argument that could be secret — and the call is counted in flight, so that a host
// exit or dlclose without C_Finalize waits for it (docs/lifetime.md).
#include <span>
#include <string>
#include <utility>

#include "core/error_map.hpp"
#include "core/host_exit.hpp"
#include "log/log.hpp"
#include "p11nethsm/pkcs11.hpp"
#include "util/call_deadline.hpp"
#include "util/result.hpp"

namespace p11nethsm::abi {

std::string hexRv(CK_RV rv);

// For the entry points that touch no module state (function lists, interfaces).
template <class Fn>
CK_RV guardedStateless(const char* name, Fn&& fn) noexcept {
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

// `refused`: the answer once the host has begun to exit or unload the module without
// C_Finalize (core/host_exit.hpp); the call then touches nothing. `forkQuiesce`:
// false only for calls that block without doing any work (C_WaitForSlotEvent).
template <class Fn>
CK_RV guarded(const char* name, Fn&& fn, CK_RV refused = CKR_CRYPTOKI_NOT_INITIALIZED,
              bool forkQuiesce = true) noexcept {
  core::CallGate gate(forkQuiesce);  // counts this call in flight
  if (!gate.open()) return refused;
  CallScope call;  // one deadline for all the call's requests (util/call_deadline.hpp)
  return guardedStateless(name, std::forward<Fn>(fn));
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
