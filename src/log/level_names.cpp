// Log level names of the configuration (log_level) and of P11NETHSM_LOG_LEVEL.
// Both the config parser and the logger need it; config links log (never the reverse).
#include <algorithm>
#include <cctype>
#include <string>

#include "log/options.hpp"

namespace p11nethsm::log {

std::optional<Level> parseLevel(std::string_view name) {
  std::string v(name);
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "trace") return Level::kTrace;
  if (v == "debug") return Level::kDebug;
  if (v == "info") return Level::kInfo;
  if (v == "warn" || v == "warning") return Level::kWarn;
  if (v == "error") return Level::kError;
  if (v == "off") return Level::kOff;
  return std::nullopt;
}

}  // namespace p11nethsm::log
