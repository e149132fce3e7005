// The template readers of mech (PKCS#11 v2.40 §4, §5.14): key-pair and secret-key
// generation templates, key import (C_CreateObject of private and secret keys) and
// public-key templates, on templates with any types, lengths, values and NULL
// pointers. First byte: mechanism and firmware; then the templates.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "mech/keygen.hpp"
#include "mech/public_key.hpp"

namespace {

using namespace p11nethsm;

constexpr CK_MECHANISM_TYPE kMechanisms[] = {CKM_RSA_PKCS_KEY_PAIR_GEN,   CKM_EC_KEY_PAIR_GEN,
                                             CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_AES_KEY_GEN,
                                             CKM_GENERIC_SECRET_KEY_GEN,  CKM_SHA256_RSA_PKCS};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const uint8_t choice = in.byte();
  CK_MECHANISM mechanism{kMechanisms[choice % std::size(kMechanisms)], nullptr, 0};
  const nethsm::Capabilities firmware = nethsm::capabilitiesOf({(choice & 0x40) ? 5 : 4, 0});
  fuzz::FuzzTemplate first(in, 12);
  fuzz::FuzzTemplate second(in, 12);
  (void)mech::keyPairGenerateRequest(mechanism, first.attributes(), second.attributes(), firmware);
  (void)mech::secretKeyGenerateRequest(mechanism, first.attributes());
  (void)mech::keyImportRequest(first.attributes(), firmware);
  (void)mech::publicKeyFromTemplate(first.attributes());
  (void)mech::publicKeyFromTemplate(second.attributes());
  return 0;
}
