#pragma once
// The parsed, merged configuration: plain immutable structs (DESIGN.md config/).
// The YAML format is the one of the NetHSM PKCS#11 user documentation
// (shared/reference/seeds/004) plus the options listed in config/p11nethsm.example.conf.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"
#include "util/secret.hpp"

namespace p11nethsm::config {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

struct SyslogUdp {
  std::string toAddr;    // "host:port"
  std::string fromAddr;  // "host:port", may be empty
};

struct LogConfig {
  std::optional<LogLevel> level;          // unset: kWarn for file/stderr sinks
  std::optional<std::string> file;        // path, or "-" for stderr
  std::optional<std::string> syslogSocket;
  std::optional<SyslogUdp> syslogUdp;
  std::optional<std::string> syslogTcp;   // "host:port"
  std::string syslogFacility = "user";
  std::optional<std::string> syslogHostname;
  std::optional<std::string> syslogProcess;
  std::optional<int> syslogPid;
};

struct UserConfig {
  std::string username;                  // may be "namespace~user"
  std::optional<SecretString> password;  // absent: must come from C_Login
};

using Sha256Fingerprint = std::array<uint8_t, 32>;

struct InstanceConfig {
  std::string url;  // e.g. https://host:8443/api/v1 (no trailing slash after parse)
  std::optional<size_t> maxIdleConnections;  // unset: transport default
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
  std::optional<unsigned> cacheRefreshSeconds;  // object cache refresh (core)
};

struct Config {
  bool enableSetAttributeValue = false;
  bool disableThreads = false;
  bool disableThreadPool = false;
  LogConfig log;
  std::vector<SlotConfig> slots;
  std::vector<std::string> sourceFiles;  // files read, in merge order
};

// Reads P11NETHSM_CONFIG_FILE if set (only that file), else merges every existing
// file of the search path. Errors name file, line and key.
Result<Config> loadConfig();

// Parses one YAML document; `origin` names it in error messages.
Result<Config> parseConfig(const std::string& yamlText, const std::string& origin);

// The search path, in merge order (least specific first).
std::vector<std::string> configSearchPath();

}  // namespace p11nethsm::config
