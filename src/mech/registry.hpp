#pragma once
// The mechanism registry (DESIGN.md mech/): CKM → info, allowed key types and an
// operation factory. C_GetMechanismList/Info and every C_*Init go through here.
#include <memory>
#include <vector>

#include "mech/operation.hpp"
#include "nethsm/client.hpp"

namespace p11nethsm::mech {

struct MechanismEntry {
  CK_MECHANISM_TYPE type;
  CK_MECHANISM_INFO info;  // key sizes and truthful flags (CKF_HW for appliance work)
};

// Mechanisms offered for a slot whose appliance has `caps` (EC key sizes follow its
// curves).
std::vector<MechanismEntry> mechanismsFor(const nethsm::Capabilities& caps);

// Validates mechanism, parameters and key (CKR_MECHANISM_INVALID,
// CKR_MECHANISM_PARAM_INVALID, CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED)
// and returns a ready operation. `client` outlives the operation. `threadsAllowed`:
// the operation may run its independent requests on a few short-lived threads of its
// own (false under CKF_LIBRARY_CANT_CREATE_OS_THREADS or disable_threads).
Result<std::unique_ptr<Operation>> createOperation(OperationKind kind,
                                                   const CK_MECHANISM& mechanism,
                                                   const KeyView& key, nethsm::Client& client,
                                                   const nethsm::Capabilities& caps,
                                                   bool threadsAllowed = false);

}  // namespace p11nethsm::mech
