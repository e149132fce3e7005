#include "check/check.hpp"

#include "check/config_report.hpp"
#include "check/instance_check.hpp"
#include "check/password_prompt.hpp"
#include "config/config.hpp"

namespace p11nethsm::check {

namespace {

// What to change when the user's password is refused, naming where it came from.
std::string wrongPasswordFix(const config::SlotConfig& slot, size_t slotIndex, const char* key,
                             const config::UserConfig& user, bool asked) {
  if (asked) return "type the right password (the one the application gives to C_Login)";
  if (user.passwordEnvVar) {
    return "set the environment variable " + *user.passwordEnvVar + " to the right password";
  }
  return "correct slots[" + std::to_string(slotIndex) + "]." + key + ".password in " +
         slot.sourceFile + " (or the user name)";
}

void addUser(SlotContext& context, nethsm::Role role, const char* key,
             const std::optional<config::UserConfig>& user, const CheckOptions& options) {
  if (!user) return;
  UserToCheck check;
  check.role = role;
  check.username = user->username;
  check.password = user->password;
  const bool ask = !check.password && options.askPasswords;
  if (ask) {
    check.password = askPassword("password of " + std::string(key) + " '" + user->username +
                                 "' for slot '" + context.slot.label + "' (empty: skip): ");
  }
  check.fixWrongPassword =
      wrongPasswordFix(context.slot, context.slotIndex, key, *user, ask && check.password);
  context.users.push_back(std::move(check));
}

bool checkSlot(const config::SlotConfig& slot, size_t index, const CheckOptions& options,
               Report& report) {
  report.say(0, "");
  report.say(0, "Slot " + std::to_string(index) + " '" + slot.label + "'");
  SlotContext context{slot, index, {}};
  addUser(context, nethsm::Role::kOperator, "operator", slot.operatorUser, options);
  addUser(context, nethsm::Role::kAdministrator, "administrator", slot.administrator, options);
  size_t usable = 0;
  for (size_t i = 0; i < slot.instances.size(); ++i) {
    if (checkInstance(context, i, report)) ++usable;
  }
  report.say(1, "usable instances: " + std::to_string(usable) + " of " +
                    std::to_string(slot.instances.size()));
  return usable > 0;
}

}  // namespace

int runCheck(const CheckOptions& options) {
  Report report;
  // Exactly the module's sources and loader (core/module.cpp initializeModule).
  const config::ConfigSources sources = config::configSourcesFromEnvironment();
  auto cfg = config::loadConfig(sources);
  if (!cfg) {
    report.say(0, "Configuration");
    report.say(1, "ERROR: " + cfg.error().message);
    report.problem({"configuration", cfg.error().message,
                    "correct it: until then C_Initialize fails with CKR_FUNCTION_FAILED"});
    report.configUnusable();
    return report.finish();
  }
  reportConfig(*cfg, sources, report);
  if (cfg->slots.empty()) {
    report.problem({"configuration", "no configuration file found: the module offers no slot",
                    "create /etc/nitrokey/p11nethsm.conf (every option is explained in "
                    "/usr/share/doc/p11nethsm/p11nethsm.example.conf) or set " +
                        std::string(config::kConfigFileEnvVar)});
  }
  for (size_t i = 0; i < cfg->slots.size(); ++i) {
    report.slotResult(i, cfg->slots[i].label, checkSlot(cfg->slots[i], i, options, report));
  }
  return report.finish();
}

}  // namespace p11nethsm::check
