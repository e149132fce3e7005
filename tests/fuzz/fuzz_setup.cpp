// Linked into every fuzz target: the module's log is switched off (the skipped-key
// warnings would flood the fuzzer's output and slow it down).
#include "log/log.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  p11nethsm::log::Options cfg;
  cfg.level = p11nethsm::log::Level::kOff;
  cfg.file = "/dev/null";
  p11nethsm::log::configure(cfg, {});
  return 0;
}
