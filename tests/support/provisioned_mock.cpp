#include "p11nethsm_test/provisioned_mock.hpp"

#include <algorithm>

#include "util/encoding.hpp"

namespace p11nethsm::testing {

std::unique_ptr<mock::MockNetHsm> startProvisionedMock(mock::MockOptions options,
                                                       bool provisioned) {
  auto hsm = std::make_unique<mock::MockNetHsm>(options);
  if (!hsm->start()) return nullptr;
  if (provisioned) {
    hsm->provision(kAdminPassword, kUnlockPassphrase);
    hsm->addUser("operator", "Operator", kOperatorPassword);
  }
  return hsm;
}

config::SlotConfig pinnedSlotFor(const mock::MockNetHsm& hsm, const std::string& label) {
  config::SlotConfig slot;
  slot.label = label;
  for (size_t i = 0; i < hsm.instanceCount(); ++i) {
    config::InstanceConfig instance;
    instance.url = hsm.baseUrl(i);
    auto fp = hexDecode(hsm.certificateFingerprint(i), true);
    if (fp && fp->size() == 32) {
      config::Sha256Fingerprint pin{};
      std::copy(fp->begin(), fp->end(), pin.begin());
      instance.sha256Fingerprints.push_back(pin);
    }
    slot.instances.push_back(instance);
  }
  return slot;
}

}  // namespace p11nethsm::testing
