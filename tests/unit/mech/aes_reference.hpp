#pragma once
// Shared by the AES mode tests (aes_kat_test.cpp, aes_modes_test.cpp), which run both
// against the LocalAppliance and, in test_mech_mock, against mock-nethsm: keys with
// known bytes in the key backend, OpenSSL's EVP AES modes as the reference, and
// mechanism parameters that stay alive with their holder.
#include <random>

#include "test_keys.hpp"

namespace p11nethsm::mech::test {

// An AES key with these bytes in the key backend (imported once per process; the
// mock gets it through its REST import), as core's KeyView.
KeyView knownAesKey(const Bytes& keyBytes);

// OpenSSL EVP references.
struct GcmSealed {
  Bytes cipher;
  Bytes tag;
};
GcmSealed opensslGcmSeal(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plain,
                         size_t tagBytes);
// nullopt when the tag does not verify.
std::optional<Bytes> opensslGcmOpen(const Bytes& key, const Bytes& iv, const Bytes& aad,
                                    const Bytes& cipher, const Bytes& tag);
// CTR with OpenSSL's 128-bit counter; ECB without padding.
Bytes opensslCtr(const Bytes& key, const Bytes& counterBlock, const Bytes& data);
Bytes opensslEcb(const Bytes& key, const Bytes& data, bool encrypt);

// CK_GCM_PARAMS (p11-kit layout) with its IV and AAD, and the CK_MECHANISM on it.
struct GcmMechanism {
  Bytes iv, aad;
  CK_GCM_PARAMS params{};
  CK_MECHANISM mechanism{};
  GcmMechanism(Bytes ivBytes, Bytes aadBytes, size_t tagBytes);
  GcmMechanism(const GcmMechanism&) = delete;
  GcmMechanism& operator=(const GcmMechanism&) = delete;
};

struct CtrMechanism {
  CK_AES_CTR_PARAMS params{};
  CK_MECHANISM mechanism{};
  CtrMechanism(const Bytes& counterBlock, CK_ULONG counterBits);
  CtrMechanism(const CtrMechanism&) = delete;
  CtrMechanism& operator=(const CtrMechanism&) = delete;
};

// Feeds `input` in parts of random size (empty parts included), then Final.
Result<Bytes> driveRandomParts(Operation& op, const Bytes& input, std::mt19937& rng);
// A whole operation on the backend's appliance: single-part (`rng` null) or random parts.
Result<Bytes> runAes(OperationKind kind, const CK_MECHANISM& mechanism, const KeyView& key,
                     const Bytes& input, std::mt19937* rng = nullptr);

Bytes hex(const char* text);
// The output in hex, or "error <CK_RV>: <message>" (readable gtest failures).
std::string hexOrError(const Result<Bytes>& r);

}  // namespace p11nethsm::mech::test
