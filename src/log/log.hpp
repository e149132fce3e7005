#pragma once
// Module logging (DESIGN.md log/): levels, syslog (socket/UDP/TCP), file or stderr.
// Never pass a PIN, password, Authorization header, plaintext or key byte here.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/options.hpp"

namespace p11nethsm::log {

// Environment variable that raises the level for a support case, e.g.
// P11NETHSM_LOG_LEVEL=trace; it wins over log_level from the file.
inline constexpr const char* kLevelEnvVar = "P11NETHSM_LOG_LEVEL";

// Sinks (issue 4 §2, seed 004): log_file ("-" = stderr, appended) and/or one syslog
// sink (syslog_socket, else syslog_udp, else syslog_tcp; several → the first, with a
// warning). With none of log_file/syslog_socket/syslog_udp/syslog_tcp: the first
// working default socket (kDefaultSyslogSockets) AND stderr. Level: log_level, else
// kWarn; P11NETHSM_LOG_LEVEL wins over both.
//
// Installs the sinks described by the configuration. Safe to call again (C_Initialize
// after C_Finalize). Until called, errors go to stderr at once and messages from
// kDebug up are kept (at most kPendingLimit) and replayed by configure(), so that
// configuration warnings reach the configured sinks.
void configure(const Options& options);
// Same, with another list of default sockets (tests).
void configure(const Options& options, std::span<const std::string> defaultSockets);
// Closes sinks and drops kept messages (C_Finalize). Afterwards the logger behaves as
// before configure().
void shutdown();
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void trace(std::string_view m) { write(Level::kTrace, m); }
inline void debug(std::string_view m) { write(Level::kDebug, m); }
// Cold like makeError: warnings and errors leave the hot path's code.
[[gnu::cold]] inline void info(std::string_view m) { write(Level::kInfo, m); }
[[gnu::cold]] inline void warn(std::string_view m) { write(Level::kWarn, m); }
[[gnu::cold]] inline void error(std::string_view m) { write(Level::kError, m); }

inline constexpr size_t kPendingLimit = 256;
inline constexpr std::string_view kDefaultSyslogSockets[] = {"/dev/log", "/var/run/syslog",
                                                             "/var/run/log"};

// The sinks in use, e.g. "stderr", "file:/tmp/x.log", "syslog-unix:/dev/log",
// "syslog-udp:127.0.0.1:514", "syslog-tcp:127.0.0.1:601" (tests, diagnostics).
std::vector<std::string> activeSinks();
Level currentLevel();

// The documented facility names (seed 004) → RFC 5424 §6.2.1 facility code.
std::optional<int> syslogFacilityCode(std::string_view name);

// "host:port" or "[ipv6]:port" with a numeric port 0..65535.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
std::optional<HostPort> parseHostPort(std::string_view text);

}  // namespace p11nethsm::log
