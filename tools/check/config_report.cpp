#include "check/config_report.hpp"

#include <algorithm>

namespace p11nethsm::check {

namespace {

void reportSources(const config::Config& cfg, const config::ConfigSources& sources,
                   Report& report) {
  if (sources.onlyFile) {
    report.say(1, std::string(config::kConfigFileEnvVar) + " is set: only that file is read");
  } else {
    for (const auto& path : sources.searchPath) {
      const bool read =
          std::find(cfg.sourceFiles.begin(), cfg.sourceFiles.end(), path) != cfg.sourceFiles.end();
      report.say(1, (read ? "read:      " : "not found: ") + path);
    }
  }
  if (sources.onlyFile) report.say(1, "read:      " + *sources.onlyFile);
}

std::string passwordOrigin(const config::UserConfig& user) {
  if (user.passwordEnvVar) {
    return user.password ? "from env:" + *user.passwordEnvVar
                         : "env:" + *user.passwordEnvVar + " is empty: asked at C_Login";
  }
  return user.password ? "in the file" : "not in the file: asked at C_Login";
}

void reportUser(const char* role, const std::optional<config::UserConfig>& user, Report& report) {
  if (!user) return;
  report.say(2, std::string(role) + " '" + user->username + "', password " + passwordOrigin(*user));
}

}  // namespace

std::string location(const std::string& file, unsigned line) {
  return line == 0 ? file : file + ":" + std::to_string(line);
}

void reportConfig(const config::Config& cfg, const config::ConfigSources& sources, Report& report) {
  report.say(0, "Configuration");
  reportSources(cfg, sources, report);
  for (const auto& option : cfg.optionSources) {
    report.say(1, "option " + option.key + ": set in " + location(option.file, option.line));
  }
  for (size_t i = 0; i < cfg.slots.size(); ++i) {
    const config::SlotConfig& slot = cfg.slots[i];
    report.say(1, "slot " + std::to_string(i) + " '" + slot.label + "': set in " +
                      location(slot.sourceFile, slot.sourceLine) + ", " +
                      std::to_string(slot.instances.size()) + " instance(s)");
    reportUser("operator", slot.operatorUser, report);
    reportUser("administrator", slot.administrator, report);
  }
  for (const auto& d : cfg.diagnostics) {
    if (d.level < config::LogLevel::kWarn) {
      report.say(1, "note: " + d.message);
      continue;
    }
    report.say(1, "warning: " + d.message);
    // The message already starts with file:line:column and the key path.
    std::string what = d.message;
    std::string subject = location(d.file, d.line);
    if (what.rfind(subject, 0) == 0) {
      what = what.substr(subject.size());
      if (what.size() > 1 && what[0] == ':') what.erase(0, what.find(": ") + 2);
    }
    report.problem({subject, what,
                    d.line == 0 ? "check " + d.file + " (its permissions and contents)"
                                : "edit line " + std::to_string(d.line) + " of " + d.file});
  }
}

}  // namespace p11nethsm::check
