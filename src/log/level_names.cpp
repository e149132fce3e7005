// Log level names of the configuration (log_level) and of P11NETHSM_LOG_LEVEL.
// Declared in config/config.hpp but defined here, in the log layer, because both the
// config parser and the logger need it and config links log (never the reverse).
#include <algorithm>
#include <cctype>
#include <string>

#include "config/config.hpp"

namespace p11nethsm::config {

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  std::string v(name);
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "trace") return LogLevel::kTrace;
  if (v == "debug") return LogLevel::kDebug;
  if (v == "info") return LogLevel::kInfo;
  if (v == "warn" || v == "warning") return LogLevel::kWarn;
  if (v == "error") return LogLevel::kError;
  if (v == "off") return LogLevel::kOff;
  return std::nullopt;
}

}  // namespace p11nethsm::config
