// The per-slot part of the format (seed 004 "Configuration File Format" + competitor.md
// §2 + our additions ca_file, connect_timeout_seconds, cache_refresh_seconds).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "config/config_fields.hpp"
#include "util/encoding.hpp"

namespace p11nethsm::config::detail {

namespace {

// Linux limits of TCP_KEEPIDLE / TCP_KEEPINTVL (MAX_TCP_KEEPIDLE 32767) and
// TCP_KEEPCNT (MAX_TCP_KEEPCNT 127): larger values would fail in setsockopt later.
constexpr unsigned kMaxKeepaliveSeconds = 32767;
constexpr unsigned kMaxKeepaliveProbes = 127;
constexpr unsigned kMaxTimeoutSeconds = 86400;
constexpr unsigned kMaxIdleConnections = 1024;  // also the bound of max_connections
constexpr unsigned kMaxRetries = 100;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

Status readUser(const NodeRef& ref, std::optional<UserConfig>& out, Diagnostics& diags);

// The URL value is never echoed: users sometimes embed credentials in URLs.
Status readUrl(const NodeRef& ref, InstanceConfig& inst, Diagnostics& diags) {
  std::string url;
  if (Status s = readString(ref, url); !s) return s;
  url = trim(url);
  std::string scheme = lower(url.substr(0, url.find("://") + 3));
  if (scheme == "http://") {
    return configError(ref,
                       "http:// is not allowed: the NetHSM only speaks HTTPS "
                       "(write https://...)");
  }
  if (scheme != "https://") return configError(ref, "the url must start with https://");
  std::string rest = url.substr(8);
  std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return configError(ref, "the url has no host name");
  if (authority.find('@') != std::string::npos) {
    return configError(ref,
                       "credentials in the url are not allowed; use operator or "
                       "administrator");
  }
  while (url.size() > 8 && url.back() == '/') url.pop_back();
  if (url.find('/', 8) == std::string::npos) {
    addDiagnostic(diags, LogLevel::kWarn, ref,
                  "the url has no path; the NetHSM API lives under /api/v1");
  }
  inst.url = std::move(url);
  return okStatus();
}

Status readFingerprints(const NodeRef& ref, InstanceConfig& inst) {
  if (Status s = expectKind(ref, YAML::NodeType::Sequence, "a list of fingerprints"); !s) {
    return s;
  }
  for (size_t i = 0; i < ref.node.size(); ++i) {
    NodeRef item = ref.item(i, ref.node[i]);
    std::string text;
    if (Status s = readString(item, text); !s) return s;
    std::optional<Bytes> bytes = hexDecode(trim(text), /*allowColons=*/true);
    if (!bytes || bytes->size() != Sha256Fingerprint{}.size()) {
      return configError(item,
                         "expected a SHA-256 fingerprint: 32 bytes as 64 hex digits, "
                         "colons allowed");
    }
    Sha256Fingerprint fp{};
    std::copy(bytes->begin(), bytes->end(), fp.begin());
    inst.sha256Fingerprints.push_back(fp);
  }
  return okStatus();
}

// A relative ca_file is taken relative to the configuration file that names it, so
// the result does not depend on the application's working directory.
Status readCaFile(const NodeRef& ref, InstanceConfig& inst) {
  std::string path;
  if (Status s = readString(ref, path); !s) return s;
  if (path.empty()) return configError(ref, "ca_file is empty");
  if (path.front() != '/') {
    size_t slash = ref.file.rfind('/');
    if (slash != std::string::npos) path = ref.file.substr(0, slash + 1) + path;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return configError(ref, "cannot read ca_file '" + path + "': " + std::strerror(errno));
  }
  inst.caFile = std::move(path);
  return okStatus();
}

constexpr Field<InstanceConfig> kInstanceFields[] = {
    {"url", true,
     [](const NodeRef& r, InstanceConfig& t, Diagnostics& d) { return readUrl(r, t, d); }},
    {"max_idle_connections", false,
     [](const NodeRef& r, InstanceConfig& t, Diagnostics&) {
       std::optional<unsigned> v;
       Status s = readUnsigned(r, v, 1, kMaxIdleConnections);
       if (s) t.maxIdleConnections = *v;
       return s;
     }},
    {"max_connections", false,
     [](const NodeRef& r, InstanceConfig& t, Diagnostics&) {
       std::optional<unsigned> v;
       Status s = readUnsigned(r, v, 1, kMaxIdleConnections);
       if (s) t.maxConnections = *v;
       return s;
     }},
    {"sha256_fingerprints", false,
     [](const NodeRef& r, InstanceConfig& t, Diagnostics&) { return readFingerprints(r, t); }},
    {"danger_insecure_cert", false,
     [](const NodeRef& r, InstanceConfig& t, Diagnostics&) {
       return readBool(r, t.dangerInsecureCert);
     }},
    {"ca_file", false,
     [](const NodeRef& r, InstanceConfig& t, Diagnostics&) { return readCaFile(r, t); }},
};

void warnAboutTrust(const NodeRef& ref, const InstanceConfig& inst, Diagnostics& diags) {
  if (inst.dangerInsecureCert) {
    addDiagnostic(diags, LogLevel::kWarn, ref,
                  "danger_insecure_cert: TLS certificates of this instance are not checked" +
                      std::string(inst.sha256Fingerprints.empty() && !inst.caFile
                                      ? ""
                                      : "; its sha256_fingerprints and ca_file are ignored"));
  } else if (!inst.sha256Fingerprints.empty() && inst.caFile) {
    addDiagnostic(diags, LogLevel::kWarn, ref,
                  "sha256_fingerprints replace the CA check; ca_file is ignored");
  }
}

Status readInstances(const NodeRef& ref, SlotConfig& slot, Diagnostics& diags) {
  if (Status s = expectKind(ref, YAML::NodeType::Sequence, "a list of instances"); !s) {
    return s;
  }
  if (ref.node.size() == 0) return configError(ref, "a slot needs at least one instance");
  for (size_t i = 0; i < ref.node.size(); ++i) {
    NodeRef item = ref.item(i, ref.node[i]);
    InstanceConfig inst;
    if (Status s = readMap(item, kInstanceFields, inst, diags); !s) return s;
    warnAboutTrust(item, inst, diags);
    slot.instances.push_back(std::move(inst));
  }
  return okStatus();
}

constexpr Field<UserConfig> kUserFields[] = {
    {"username", true,
     [](const NodeRef& r, UserConfig& t, Diagnostics&) {
       Status s = readString(r, t.username);
       if (s && t.username.empty()) return Status(configError(r, "the username is empty"));
       return s;
     }},
    {"password", false,
     [](const NodeRef& r, UserConfig& t, Diagnostics&) {
       auto password = resolvePassword(r);
       if (!password) return Status(password.error());
       t.password = std::move(password.value());
       const std::string& text = r.node.Scalar();
       if (text.rfind("env:", 0) == 0) t.passwordEnvVar = text.substr(4);
       return okStatus();
     }},
};

Status readUser(const NodeRef& ref, std::optional<UserConfig>& out, Diagnostics& diags) {
  UserConfig user;
  if (Status s = readMap(ref, kUserFields, user, diags); !s) return s;
  out = std::move(user);
  return okStatus();
}

constexpr Field<RetryConfig> kRetryFields[] = {
    {"count", false,
     [](const NodeRef& r, RetryConfig& t, Diagnostics&) {
       return readUnsigned(r, t.count, 0, kMaxRetries);
     }},
    {"delay_seconds", false,
     [](const NodeRef& r, RetryConfig& t, Diagnostics&) {
       return readUnsigned(r, t.delaySeconds, 0, kMaxTimeoutSeconds);
     }},
};

constexpr Field<TcpKeepaliveConfig> kKeepaliveFields[] = {
    {"time_seconds", false,
     [](const NodeRef& r, TcpKeepaliveConfig& t, Diagnostics&) {
       return readUnsigned(r, t.timeSeconds, 1, kMaxKeepaliveSeconds);
     }},
    {"interval_seconds", false,
     [](const NodeRef& r, TcpKeepaliveConfig& t, Diagnostics&) {
       return readUnsigned(r, t.intervalSeconds, 1, kMaxKeepaliveSeconds);
     }},
    {"retries", false,
     [](const NodeRef& r, TcpKeepaliveConfig& t, Diagnostics&) {
       return readUnsigned(r, t.retries, 1, kMaxKeepaliveProbes);
     }},
};

Status readCertificateFormat(const NodeRef& ref, SlotConfig& slot) {
  std::string text;
  if (Status s = readString(ref, text); !s) return s;
  std::string v = lower(trim(text));
  if (v == "pem") {
    slot.certificateFormat = CertificateFormat::kPem;
  } else if (v == "der") {
    slot.certificateFormat = CertificateFormat::kDer;
  } else {
    return configError(ref, "expected PEM or DER, found '" + text + "'");
  }
  return okStatus();
}

Status readLabel(const NodeRef& ref, SlotConfig& slot) {
  if (Status s = readString(ref, slot.label); !s) return s;
  if (slot.label.empty()) return configError(ref, "the label is empty");
  if (slot.label.size() > kMaxLabelBytes) {
    return configError(ref, "the label has " + std::to_string(slot.label.size()) +
                                " bytes; a PKCS#11 token label holds at most 32");
  }
  return okStatus();
}

constexpr Field<SlotConfig> kSlotFields[] = {
    {"label", true, [](const NodeRef& r, SlotConfig& t, Diagnostics&) { return readLabel(r, t); }},
    {"description", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) { return readString(r, t.description); }},
    {"operator", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics& d) {
       return readUser(r, t.operatorUser, d);
     }},
    {"administrator", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics& d) {
       return readUser(r, t.administrator, d);
     }},
    {"instances", true,
     [](const NodeRef& r, SlotConfig& t, Diagnostics& d) { return readInstances(r, t, d); }},
    {"retries", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics& d) {
       return readMap(r, kRetryFields, t.retries, d);
     }},
    {"tcp_keepalive", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics& d) {
       TcpKeepaliveConfig keepalive;
       Status s = readMap(r, kKeepaliveFields, keepalive, d);
       if (s) t.tcpKeepalive = keepalive;
       return s;
     }},
    {"connections_max_idle_duration", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) {
       return readUnsigned(r, t.connectionsMaxIdleSeconds, 1);
     }},
    {"timeout_seconds", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) {
       return readUnsigned(r, t.timeoutSeconds, 1, kMaxTimeoutSeconds);
     }},
    {"connect_timeout_seconds", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) {
       return readUnsigned(r, t.connectTimeoutSeconds, 1, kMaxTimeoutSeconds);
     }},
    {"certificate_format", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) { return readCertificateFormat(r, t); }},
    {"verify_signatures", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) { return readBool(r, t.verifySignatures); }},
    {"cache_refresh_seconds", false,
     [](const NodeRef& r, SlotConfig& t, Diagnostics&) {
       return readUnsigned(r, t.cacheRefreshSeconds, 0);
     }},
};

template <class T, size_t N>
void appendKeys(std::vector<std::string>& out, const std::string& prefix,
                const Field<T> (&fields)[N]) {
  for (const auto& f : fields) out.push_back(prefix + std::string(f.key));
}

}  // namespace

Result<std::optional<SecretString>> resolvePassword(const NodeRef& ref) {
  // Read in place: no extra, unwiped copy of the plaintext.
  if (Status s = expectKind(ref, YAML::NodeType::Scalar, "a password"); !s) return s.error();
  const std::string& text = ref.node.Scalar();
  if (text.rfind("env:", 0) != 0) {
    if (text.empty()) return std::optional<SecretString>{};
    return std::optional<SecretString>{SecretString(text)};
  }
  std::string name = text.substr(4);
  if (name.empty()) return configError(ref, "env: needs a variable name (env:NAME)");
  // secure_getenv: a set-user-ID program must not take secrets from its caller.
  const char* value = ::secure_getenv(name.c_str());
  if (value == nullptr) {
    return configError(ref, "environment variable '" + name + "' is not set");
  }
  if (*value == '\0') return std::optional<SecretString>{};
  return std::optional<SecretString>{SecretString(value)};
}

Result<SlotConfig> readSlot(const NodeRef& ref, Diagnostics& diags) {
  SlotConfig slot;
  slot.sourceFile = ref.file;
  if (!ref.mark.is_null()) slot.sourceLine = static_cast<unsigned>(ref.mark.line + 1);
  if (Status s = readMap(ref, kSlotFields, slot, diags); !s) return s.error();
  if (!slot.operatorUser && !slot.administrator) {
    return configError(ref,
                       "slot '" + slot.label + "' needs an operator or an administrator (or both)");
  }
  // Only a value the user wrote deserves a warning: a short timeout_seconds alone
  // simply bounds the default connect timeout too (exchange.cpp caps it).
  const bool connectGiven = ref.node.IsMap() && ref.node["connect_timeout_seconds"];
  if (connectGiven && slot.connectTimeoutSeconds > slot.timeoutSeconds) {
    addDiagnostic(diags, LogLevel::kWarn, ref,
                  "connect_timeout_seconds is larger than timeout_seconds; the total "
                  "timeout_seconds bounds the connect as well");
  }
  if (!slot.cacheRefreshSeconds) slot.cacheRefreshSeconds = kDefaultCacheRefreshSeconds;
  return slot;
}

void appendSlotKeys(std::vector<std::string>& out) {
  appendKeys(out, "slots.", kSlotFields);
  appendKeys(out, "slots.operator.", kUserFields);
  appendKeys(out, "slots.administrator.", kUserFields);
  appendKeys(out, "slots.instances.", kInstanceFields);
  appendKeys(out, "slots.retries.", kRetryFields);
  appendKeys(out, "slots.tcp_keepalive.", kKeepaliveFields);
}

}  // namespace p11nethsm::config::detail
