#pragma once
// What the logger is told to do: levels and sinks (seed 004's log_level, log_file,
// syslog_* options). Owned by the log layer, which sits below config (src/CMakeLists
// layer order: config links log, never the reverse); config/config.hpp names these
// types config::LogLevel, config::LogConfig and config::SyslogUdp.
#include <optional>
#include <string>
#include <string_view>

namespace p11nethsm::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// "trace", "debug", "info", "warn"/"warning", "error", "off" in any case.
std::optional<Level> parseLevel(std::string_view name);

struct SyslogUdp {
  std::string toAddr;    // "host:port"
  std::string fromAddr;  // "host:port", may be empty
};

struct Options {
  std::optional<Level> level;       // unset: kWarn
  std::optional<std::string> file;  // path, or "-" for stderr
  std::optional<std::string> syslogSocket;
  std::optional<SyslogUdp> syslogUdp;
  std::optional<std::string> syslogTcp;  // "host:port"
  std::string syslogFacility = "user";
  std::optional<std::string> syslogHostname;
  std::optional<std::string> syslogProcess;
  std::optional<int> syslogPid;
};

}  // namespace p11nethsm::log
