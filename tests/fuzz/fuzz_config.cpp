// Configuration text (YAML, seed 004 format) → config::Config: never a crash, a hang
// or an exception; errors are values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = p11nethsm::config::parseConfig(text, "fuzz.conf");
  if (config) {
    for (const auto& slot : config->slots) (void)slot.instances.size();
  }
  return 0;
}
