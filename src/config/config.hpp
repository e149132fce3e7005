#pragma once
// The parsed, merged configuration: plain immutable structs (DESIGN.md config/).
// The YAML format is the one of the NetHSM PKCS#11 user documentation
// (shared/reference/seeds/004) plus the options listed in config/p11nethsm.example.conf.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/options.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace p11nethsm::config {

// The log's own options (log/options.hpp), under the names the configuration uses.
using LogLevel = log::Level;
using SyslogUdp = log::SyslogUdp;
using LogConfig = log::Options;

struct UserConfig {
  std::string username;                  // may be "namespace~user"
  std::optional<SecretString> password;  // absent: must come from C_Login
  // Set when the password was written as env:NAME (its value is never kept here):
  // diagnostics name the variable to fix.
  std::optional<std::string> passwordEnvVar;
};

using Sha256Fingerprint = std::array<uint8_t, 32>;

// Connections open at once to one instance when max_connections is absent: callers
// beyond it wait for a free connection within their call's timeout (issue 11), so
// hundreds of host threads never mean hundreds of TLS sessions on one appliance.
// 64 lets the thread counts of common hosts (and the benchmark's 64) run unqueued;
// each wait costs the caller a sleep and a wake-up (about 2 context switches).
inline constexpr size_t kDefaultMaxConnections = 64;

struct InstanceConfig {
  std::string url;  // e.g. https://host:8443/api/v1 (no trailing slash after parse)
  std::optional<size_t> maxIdleConnections;        // unset: transport default
  size_t maxConnections = kDefaultMaxConnections;  // open at once; more callers wait
  std::vector<Sha256Fingerprint> sha256Fingerprints;
  bool dangerInsecureCert = false;
  std::optional<std::string> caFile;  // PEM bundle of a private CA
};

struct RetryConfig {
  unsigned count = 0;         // retries after the first attempt
  unsigned delaySeconds = 0;  // between attempts
};

struct TcpKeepaliveConfig {
  unsigned timeSeconds = 600;
  unsigned intervalSeconds = 60;
  unsigned retries = 3;
};

enum class CertificateFormat { kPem, kDer };

// Object cache refresh interval of a slot when cache_refresh_seconds is absent (core).
inline constexpr unsigned kDefaultCacheRefreshSeconds = 60;
// Token labels are a 32-byte blank-padded field (PKCS#11 v2.40 §3.2 CK_TOKEN_INFO):
// a longer slot label is a configuration error rather than a silent truncation.
inline constexpr size_t kMaxLabelBytes = 32;

// Finite defaults on purpose: the Rust module's infinite default hung clients behind
// firewalls for 15 minutes (competitor.md §3, issue #156).
inline constexpr unsigned kDefaultTimeoutSeconds = 30;
inline constexpr unsigned kDefaultConnectTimeoutSeconds = 10;

struct SlotConfig {
  std::string label;
  std::optional<std::string> description;
  std::optional<UserConfig> operatorUser;
  std::optional<UserConfig> administrator;
  std::vector<InstanceConfig> instances;
  RetryConfig retries;
  std::optional<TcpKeepaliveConfig> tcpKeepalive;
  std::optional<unsigned> connectionsMaxIdleSeconds;
  unsigned timeoutSeconds = kDefaultTimeoutSeconds;
  unsigned connectTimeoutSeconds = kDefaultConnectTimeoutSeconds;
  CertificateFormat certificateFormat = CertificateFormat::kPem;
  // Verify every signature from the appliance with the key's public key before
  // returning it (issue 12 §2). Off by default: its cost is measured in
  // docs/transport.md "Answers"; the structural checks of each answer always run.
  bool verifySignatures = false;
  std::optional<unsigned> cacheRefreshSeconds;  // object cache refresh (core); set
                                                // to kDefaultCacheRefreshSeconds by parse
  std::string sourceFile;                       // the file this slot came from (for messages)
  unsigned sourceLine = 0;                      // its line there (1-based; 0: unknown)
};

// Something worth telling the user about a configuration that still loads (unknown
// key, overridden option, ...). loadConfig() has already logged these.
struct Diagnostic {
  LogLevel level = LogLevel::kWarn;
  std::string message;  // "file:line:col: key.path: what"
  std::string file;     // where, also apart (p11nethsm-check's problem lines)
  unsigned line = 0;    // 1-based; 0: unknown
};

// Where a top-level option in effect was set (after the merge: the winning file).
struct OptionSource {
  std::string key;
  std::string file;
  unsigned line = 0;
};

struct Config {
  bool enableSetAttributeValue = false;
  bool disableThreads = false;
  bool disableThreadPool = false;
  LogConfig log;
  std::vector<SlotConfig> slots;
  std::vector<std::string> sourceFiles;     // files read, in merge order
  std::vector<Diagnostic> diagnostics;      // warnings/notes, in the order found
  std::vector<OptionSource> optionSources;  // top-level options set, in key order
};

// Environment variable naming the only configuration file to read.
inline constexpr const char* kConfigFileEnvVar = "P11NETHSM_CONFIG_FILE";

// Where loadConfig looks. Injectable so that tests never touch /etc or $HOME.
struct ConfigSources {
  std::vector<std::string> searchPath;  // merge order, least user-specific first
  std::optional<std::string> onlyFile;  // set: read only this file (must exist)
};

// One YAML document and the name it is reported under (usually its path).
struct ConfigText {
  std::string origin;
  std::string text;
};

// Reads P11NETHSM_CONFIG_FILE if set (only that file), else merges every existing
// file of the search path; when none exists, a Config without slots (and an info
// diagnostic listing the path): the module is installed but not configured. Errors
// name file, line and key. Diagnostics are logged
// (buffered by the log layer until log::configure) and returned in Config; a failure
// is returned, not logged: the caller logs its message once (one clear line).
Result<Config> loadConfig();
// Same with explicit sources.
Result<Config> loadConfig(const ConfigSources& sources);
// The sources loadConfig() uses: P11NETHSM_CONFIG_FILE, else configSearchPath().
ConfigSources configSourcesFromEnvironment();

// Merges documents given in merge order (slots concatenated; a top-level option set
// in several documents: the later, more user-specific one wins, noted at info).
Result<Config> mergeConfigTexts(const std::vector<ConfigText>& documents);

// Parses one YAML document; `origin` names it in error messages.
Result<Config> parseConfig(const std::string& yamlText, const std::string& origin);

// The search path, in merge order (least specific first):
// /etc/nitrokey, /usr/local/etc/nitrokey, $HOME/.config/nitrokey (if HOME is set).
std::vector<std::string> configSearchPath();
// The same under `rootPrefix` (prepended to the two system paths) with `home` as
// $HOME (none: no user file). For tests and for staged installs.
std::vector<std::string> configSearchPath(const std::string& rootPrefix,
                                          const std::optional<std::string>& home);

// Parses a log level name (trace, debug, info, warn/warning, error, off), any case.
inline std::optional<LogLevel> parseLogLevel(std::string_view name) {
  return log::parseLevel(name);
}

}  // namespace p11nethsm::config
