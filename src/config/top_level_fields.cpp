// Top-level options of the format: module switches and logging (seed 004, issue 4 §2).
#include <algorithm>
#include <cctype>
#include <map>

#include "config/config_fields.hpp"
#include "log/log.hpp"

namespace p11nethsm::config::detail {

namespace {

Status readLevel(const NodeRef& ref, LogConfig& log) {
  std::string text;
  if (Status s = readString(ref, text); !s) return s;
  std::optional<LogLevel> level = parseLogLevel(text);
  if (!level) {
    return configError(
        ref, "unknown log level '" + text + "' (use Trace, Debug, Info, Warn, Error or Off)");
  }
  log.level = level;
  return okStatus();
}

Status readNonEmpty(const NodeRef& ref, std::optional<std::string>& out) {
  std::string text;
  if (Status s = readString(ref, text); !s) return s;
  if (text.empty()) return configError(ref, "the value is empty");
  out = std::move(text);
  return okStatus();
}

Status readAddress(const NodeRef& ref, std::string& out, bool portMayBeZero) {
  std::string text;
  if (Status s = readString(ref, text); !s) return s;
  std::optional<log::HostPort> hp = log::parseHostPort(text);
  if (!hp || (hp->port == 0 && !portMayBeZero)) {
    return configError(ref, "expected host:port (IPv6 as [address]:port), found '" + text + "'");
  }
  out = std::move(text);
  return okStatus();
}

constexpr Field<SyslogUdp> kSyslogUdpFields[] = {
    {"to_addr", true,
     [](const NodeRef& r, SyslogUdp& t, Diagnostics&) { return readAddress(r, t.toAddr, false); }},
    {"from_addr", false,
     [](const NodeRef& r, SyslogUdp& t, Diagnostics&) { return readAddress(r, t.fromAddr, true); }},
};

Status readFacility(const NodeRef& ref, LogConfig& log, Diagnostics& diags) {
  std::string text;
  if (Status s = readString(ref, text); !s) return s;
  std::string name = text;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!log::syslogFacilityCode(name)) {
    // Like the Rust module: an unknown facility is not fatal (competitor.md §2).
    addDiagnostic(diags, LogLevel::kWarn, ref,
                  "unknown syslog facility '" + text + "'; using 'user'");
    name = "user";
  }
  log.syslogFacility = name;
  return okStatus();
}

constexpr Field<Config> kTopLevelFields[] = {
    {"enable_set_attribute_value", false,
     [](const NodeRef& r, Config& c, Diagnostics&) {
       return readBool(r, c.enableSetAttributeValue);
     }},
    {"disable_threads", false,
     [](const NodeRef& r, Config& c, Diagnostics&) { return readBool(r, c.disableThreads); }},
    {"disable_thread_pool", false,
     [](const NodeRef& r, Config& c, Diagnostics&) { return readBool(r, c.disableThreadPool); }},
    {"log_level", false,
     [](const NodeRef& r, Config& c, Diagnostics&) { return readLevel(r, c.log); }},
    {"log_file", false,
     [](const NodeRef& r, Config& c, Diagnostics&) { return readNonEmpty(r, c.log.file); }},
    {"syslog_socket", false,
     [](const NodeRef& r, Config& c, Diagnostics&) { return readNonEmpty(r, c.log.syslogSocket); }},
    {"syslog_udp", false,
     [](const NodeRef& r, Config& c, Diagnostics& d) {
       SyslogUdp udp;
       Status s = readMap(r, kSyslogUdpFields, udp, d);
       if (s) c.log.syslogUdp = udp;
       return s;
     }},
    {"syslog_tcp", false,
     [](const NodeRef& r, Config& c, Diagnostics&) {
       std::string addr;
       Status s = readAddress(r, addr, false);
       if (s) c.log.syslogTcp = addr;
       return s;
     }},
    {"syslog_facility", false,
     [](const NodeRef& r, Config& c, Diagnostics& d) { return readFacility(r, c.log, d); }},
    {"syslog_hostname", false,
     [](const NodeRef& r, Config& c, Diagnostics&) {
       return readNonEmpty(r, c.log.syslogHostname);
     }},
    {"syslog_process", false,
     [](const NodeRef& r, Config& c, Diagnostics&) {
       return readNonEmpty(r, c.log.syslogProcess);
     }},
    {"syslog_pid", false,
     [](const NodeRef& r, Config& c, Diagnostics&) { return readInt(r, c.log.syslogPid); }},
};

}  // namespace

bool isTopLevelOption(std::string_view key) {
  return std::any_of(std::begin(kTopLevelFields), std::end(kTopLevelFields),
                     [&](const auto& f) { return f.key == key; });
}

std::vector<std::string_view> topLevelKeys() {
  std::vector<std::string_view> keys = fieldNames(kTopLevelFields);
  keys.push_back("slots");
  return keys;
}

Status readTopLevelOption(const NodeRef& ref, std::string_view key, Config& cfg,
                          Diagnostics& diags) {
  for (const auto& field : kTopLevelFields) {
    if (field.key == key) return field.read(ref, cfg, diags);
  }
  return configError(ref, "unknown option");  // callers check isTopLevelOption first
}

void checkLogOptions(const std::map<std::string, NodeRef>& options, const LogConfig& log,
                     Diagnostics& diags) {
  // Precedence socket > udp > tcp, the order of the seed documentation.
  const char* chosen = nullptr;
  for (const char* key : {"syslog_socket", "syslog_udp", "syslog_tcp"}) {
    auto it = options.find(key);
    if (it == options.end()) continue;
    if (chosen == nullptr) {
      chosen = key;
      continue;
    }
    addDiagnostic(diags, LogLevel::kWarn, it->second,
                  "only one of syslog_socket, syslog_udp, syslog_tcp can be used; " +
                      std::string(key) + " is ignored in favour of " + chosen);
  }
  auto host = options.find("syslog_hostname");
  if (host != options.end() && !log.syslogUdp && !log.syslogTcp) {
    addDiagnostic(diags, LogLevel::kInfo, host->second,
                  "syslog_hostname is only sent with syslog_udp or syslog_tcp");
  }
}

std::vector<std::string> knownKeys() {
  std::vector<std::string> out;
  for (std::string_view key : topLevelKeys()) out.emplace_back(key);
  for (const auto& f : kSyslogUdpFields) out.push_back("syslog_udp." + std::string(f.key));
  appendSlotKeys(out);
  return out;
}

}  // namespace p11nethsm::config::detail
