// Finding and reading the configuration files (seed 004 "Configuration"): every
// existing file of the search path, or only P11NETHSM_CONFIG_FILE.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "config/config.hpp"
#include "log/log.hpp"

namespace p11nethsm::config {

namespace {

// A configuration is a few kB; a bigger file is a mistake (or not a config at all).
constexpr off_t kMaxConfigBytes = 1 << 20;

enum class ReadOutcome { kRead, kMissing, kDenied, kFailed };

struct FileText {
  ReadOutcome outcome = ReadOutcome::kFailed;
  std::string text;
  std::string problem;  // why, for kDenied / kFailed
};

FileText readWholeFile(const std::string& path) {
  FileText out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.outcome = errno == ENOENT || errno == ENOTDIR ? ReadOutcome::kMissing
                  : errno == EACCES                   ? ReadOutcome::kDenied
                                                      : ReadOutcome::kFailed;
    out.problem = std::strerror(errno);
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxConfigBytes) {
    out.problem = !S_ISREG(st.st_mode) ? "not a regular file" : "larger than 1 MiB";
    ::close(fd);
    return out;
  }
  char buffer[8192];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.text.append(buffer, size_t(n));
  if (n < 0) {
    out.problem = std::strerror(errno);
  } else {
    out.outcome = ReadOutcome::kRead;
  }
  ::close(fd);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Search-path files: a missing one is skipped; an unreadable one too, with a
// warning, because /etc files holding passwords are often readable by root only and
// other users may still have their own file. Any other failure is an error.
Status readSearchPath(const std::vector<std::string>& paths, std::vector<ConfigText>& docs,
                      std::vector<Diagnostic>& diags) {
  for (const std::string& path : paths) {
    FileText file = readWholeFile(path);
    switch (file.outcome) {
      case ReadOutcome::kRead:
        docs.push_back(ConfigText{path, std::move(file.text)});
        break;
      case ReadOutcome::kMissing:
        break;
      case ReadOutcome::kDenied:
        diags.push_back(
            {LogLevel::kWarn, path + ": skipped, cannot read it: " + file.problem, path});
        break;
      case ReadOutcome::kFailed:
        return makeError(ErrorKind::kConfig,
                         path + ": cannot read the configuration: " + file.problem);
    }
  }
  return okStatus();
}

}  // namespace

std::vector<std::string> configSearchPath(const std::string& rootPrefix,
                                          const std::optional<std::string>& home) {
  std::vector<std::string> paths{rootPrefix + "/etc/nitrokey/p11nethsm.conf",
                                 rootPrefix + "/usr/local/etc/nitrokey/p11nethsm.conf"};
  if (home && !home->empty()) paths.push_back(*home + "/.config/nitrokey/p11nethsm.conf");
  return paths;
}

std::vector<std::string> configSearchPath() {
  // secure_getenv: a set-user-ID program must not read a file its caller chose.
  const char* home = ::secure_getenv("HOME");
  return configSearchPath("", home ? std::optional<std::string>(home) : std::nullopt);
}

ConfigSources configSourcesFromEnvironment() {
  ConfigSources sources;
  const char* only = ::secure_getenv(kConfigFileEnvVar);
  if (only != nullptr && *only != '\0') {
    sources.onlyFile = only;
  } else {
    sources.searchPath = configSearchPath();
  }
  return sources;
}

Result<Config> loadConfig(const ConfigSources& sources) {
  std::vector<ConfigText> docs;
  std::vector<Diagnostic> diags;
  if (sources.onlyFile) {
    FileText file = readWholeFile(*sources.onlyFile);
    if (file.outcome != ReadOutcome::kRead) {
      return makeError(ErrorKind::kConfig, *sources.onlyFile +
                                               ": cannot read the configuration named by " +
                                               kConfigFileEnvVar + ": " + file.problem);
    }
    docs.push_back(ConfigText{*sources.onlyFile, std::move(file.text)});
  } else if (Status s = readSearchPath(sources.searchPath, docs, diags); !s) {
    return s.error();
  }
  if (docs.empty()) {
    // Installed but not configured yet (a fresh package): no slot rather than a
    // failing C_Initialize, so that p11-kit lists the module and programs that load
    // every registered module (GnuTLS, p11-kit-proxy) print no error. Info level: it
    // is the normal state of such a machine, not a fault.
    Config empty;
    empty.diagnostics = std::move(diags);
    empty.diagnostics.push_back({LogLevel::kInfo,
                                 "no configuration file found (searched " +
                                     joined(sources.searchPath) + "; or set " + kConfigFileEnvVar +
                                     "): no slot is offered",
                                 std::string()});
    for (const Diagnostic& d : empty.diagnostics) log::write(d.level, d.message);
    return empty;
  }
  Result<Config> cfg = mergeConfigTexts(docs);
  if (!cfg) return cfg;
  diags.insert(diags.end(), cfg->diagnostics.begin(), cfg->diagnostics.end());
  cfg->diagnostics = std::move(diags);
  // Before log::configure these are kept and replayed into the configured sinks.
  for (const Diagnostic& d : cfg->diagnostics) log::write(d.level, d.message);
  return cfg;
}

Result<Config> loadConfig() { return loadConfig(configSourcesFromEnvironment()); }

}  // namespace p11nethsm::config
