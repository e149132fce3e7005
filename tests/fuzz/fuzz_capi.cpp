// The C API with fuzzed templates (PKCS#11 v2.40 §5.7, §5.10, §5.14): C_CreateObject,
// C_GenerateKeyPair, C_GenerateKey, C_FindObjectsInit, C_GetAttributeValue and
// C_SetAttributeValue with templates of any types, lengths and NULL pointers, on the
// module linked statically against the in-process appliance (fake_appliance.hpp): no
// socket. Each input is a list of operations: one byte chooses the operation, one the
// object it acts on, then its template(s), each a count byte and that many attributes
// (fuzz_input.hpp FuzzTemplate). The appliance starts afresh every
// kInputsPerAppliance inputs so that generated keys do not pile up.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "p11nethsm_test/fake_appliance.hpp"
#include "p11nethsm_test/mock_environment.hpp"
#include "transport/exchanger.hpp"

namespace {

using namespace p11nethsm;

constexpr int kInputsPerAppliance = 200;
constexpr size_t kOperationsPerInput = 8;

struct Harness {
  std::shared_ptr<testing::FakeAppliance> fake;
  std::string configPath;
  CK_FUNCTION_LIST_PTR p = nullptr;
  int inputs = 0;

  // A fresh appliance (firmware 5.0: labels too) and module.
  bool restart() {
    if (fake) p->C_Finalize(nullptr);
    fake = std::make_shared<testing::FakeAppliance>(testing::FakeOptions{"5.0", 1});
    transport::setExchangerForTests(fake);
    if (configPath.empty()) {
      configPath = testing::makeConfigPath();
      testing::EnvironmentOptions o;
      o.extraTopLevelYaml = "log_level: Off\n";  // thousands of refused templates
      o.extraSlotYaml = "    timeout_seconds: 5\n";
      testing::writeModuleConfig(configPath, o, {{"https://fake-nethsm.invalid:8443/api/v1", ""}});
      if (C_GetFunctionList(&p) != CKR_OK) return false;
    }
    inputs = 0;
    return p->C_Initialize(nullptr) == CKR_OK;
  }
};

Harness& harness() {
  static Harness* h = new Harness;  // never destroyed: the process ends with the fuzzer
  if (h->fake == nullptr || ++h->inputs >= kInputsPerAppliance) h->restart();
  return *h;
}

// A count byte (at most 16 attributes) and the attributes.
fuzz::FuzzTemplate templateOf(fuzz::FuzzInput& in) {
  return fuzz::FuzzTemplate(in, in.byte() % 17);
}

std::vector<CK_OBJECT_HANDLE> findAll(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s,
                                      fuzz::FuzzTemplate& tmpl) {
  auto& t = tmpl.mutableAttributes();
  std::vector<CK_OBJECT_HANDLE> out(32);
  CK_ULONG count = 0;
  if (p->C_FindObjectsInit(s, t.empty() ? nullptr : t.data(), static_cast<CK_ULONG>(t.size())) !=
      CKR_OK)
    return {};
  if (p->C_FindObjects(s, out.data(), static_cast<CK_ULONG>(out.size()), &count) != CKR_OK)
    count = 0;
  p->C_FindObjectsFinal(s);
  out.resize(count);
  return out;
}

CK_ULONG sizeOf(const fuzz::FuzzTemplate& t) {
  return static_cast<CK_ULONG>(t.attributes().size());
}
CK_ATTRIBUTE_PTR ptrOf(fuzz::FuzzTemplate& t) {
  return t.mutableAttributes().empty() ? nullptr : t.mutableAttributes().data();
}

void generate(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, fuzz::FuzzInput& in,
              std::vector<CK_OBJECT_HANDLE>& objects) {
  // RSA is left out: a fuzzed CKA_MODULUS_BITS would spend the fuzzer's time in OpenSSL.
  static constexpr CK_MECHANISM_TYPE kPairs[] = {CKM_EC_KEY_PAIR_GEN, CKM_EC_EDWARDS_KEY_PAIR_GEN};
  const uint8_t choice = in.byte();
  fuzz::FuzzTemplate pub = templateOf(in);
  fuzz::FuzzTemplate priv = templateOf(in);
  CK_OBJECT_HANDLE a = CK_INVALID_HANDLE, b = CK_INVALID_HANDLE;
  if (choice & 1) {
    CK_MECHANISM m{CKM_AES_KEY_GEN, nullptr, 0};
    if (p->C_GenerateKey(s, &m, ptrOf(pub), sizeOf(pub), &a) == CKR_OK) objects.push_back(a);
    return;
  }
  CK_MECHANISM m{kPairs[(choice >> 1) % std::size(kPairs)], nullptr, 0};
  if (p->C_GenerateKeyPair(s, &m, ptrOf(pub), sizeOf(pub), ptrOf(priv), sizeOf(priv), &a, &b) ==
      CKR_OK) {
    objects.push_back(a);
    objects.push_back(b);
  }
}

void operate(CK_FUNCTION_LIST_PTR p, CK_SESSION_HANDLE s, fuzz::FuzzInput& in,
             std::vector<CK_OBJECT_HANDLE>& objects) {
  const uint8_t op = in.byte();
  const uint8_t which = in.byte();
  // An object this input knows, or (one time in 8) a made-up handle.
  const CK_OBJECT_HANDLE object = objects.empty() || which % 8 == 7
                                      ? static_cast<CK_OBJECT_HANDLE>(which)
                                      : objects[which % objects.size()];
  switch (op % 7) {
    case 0: {
      fuzz::FuzzTemplate t = templateOf(in);
      CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
      if (p->C_CreateObject(s, ptrOf(t), sizeOf(t), &h) == CKR_OK) objects.push_back(h);
      break;
    }
    case 1:
      generate(p, s, in, objects);
      break;
    case 2: {
      fuzz::FuzzTemplate t = templateOf(in);
      for (CK_OBJECT_HANDLE h : findAll(p, s, t)) objects.push_back(h);
      break;
    }
    case 3: {
      fuzz::FuzzTemplate t = templateOf(in);
      (void)p->C_GetAttributeValue(s, object, ptrOf(t), sizeOf(t));
      break;
    }
    case 4: {
      fuzz::FuzzTemplate t = templateOf(in);
      (void)p->C_SetAttributeValue(s, object, ptrOf(t), sizeOf(t));
      break;
    }
    case 5:
      (void)p->C_DestroyObject(s, object);
      break;
    default: {  // NULL pointers with lengths that say otherwise
      const CK_ULONG n = which;
      CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
      (void)p->C_GetAttributeValue(s, object, nullptr, n);
      (void)p->C_SetAttributeValue(s, object, nullptr, n);
      (void)p->C_CreateObject(s, nullptr, n, &h);
      (void)p->C_FindObjectsInit(s, nullptr, n);
      (void)p->C_FindObjectsFinal(s);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = harness();
  if (h.fake == nullptr) return 0;
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  if (h.p->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) != CKR_OK)
    return 0;
  fuzz::FuzzInput in(data, size);
  std::vector<CK_OBJECT_HANDLE> objects;
  for (size_t i = 0; i < kOperationsPerInput && !in.empty(); ++i) operate(h.p, s, in, objects);
  h.p->C_CloseSession(s);
  return 0;
}
