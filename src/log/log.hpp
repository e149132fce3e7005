#pragma once
// Module logging (DESIGN.md log/): levels, syslog (socket/UDP/TCP), file or stderr.
// Never pass a PIN, password, Authorization header, plaintext or key byte here.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace p11nethsm::log {

using Level = config::LogLevel;

// Environment variable that raises the level for a support case, e.g.
// P11NETHSM_LOG_LEVEL=trace; it wins over log_level from the file.
inline constexpr const char* kLevelEnvVar = "P11NETHSM_LOG_LEVEL";

// Installs the sinks described by the configuration. Safe to call again (C_Initialize
// after C_Finalize). Until called, errors go to stderr only.
void configure(const config::LogConfig& cfg);
// Closes sinks (C_Finalize).
void shutdown();

bool enabled(Level level);
void write(Level level, std::string_view message);

inline void trace(std::string_view m) { write(Level::kTrace, m); }
inline void debug(std::string_view m) { write(Level::kDebug, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void warn(std::string_view m) { write(Level::kWarn, m); }
inline void error(std::string_view m) { write(Level::kError, m); }

}  // namespace p11nethsm::log
