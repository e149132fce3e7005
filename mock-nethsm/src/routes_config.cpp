// /config/* (R-Administrator; BEHAVIOUR.md §8): stored values with the firmware's
// request and response shapes. Network and logging settings are kept, not applied.
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

// GET/PUT of a JSON document kept in the store's config under `name`.
void addStoredDocument(Router& r, const std::string& path, const std::string& name,
                       std::initializer_list<const char*> fields, nlohmann::json initial) {
  const std::vector<std::string> json{"application/json"};
  r.add({"GET", path, kOperational, Access::kRootAdmin, [name, initial](Ctx& ctx) {
           std::lock_guard<std::mutex> lock(ctx.store().mutex());
           ctx.json(200, ctx.store().config.value(name, initial));
         }});
  std::vector<const char*> allowed(fields);
  r.add({"PUT", path, kOperational, Access::kRootAdmin,
         [name, allowed](Ctx& ctx) {
           nlohmann::json body = nlohmann::json::parse(ctx.body, nullptr, false);
           if (body.is_discarded() || !body.is_object())
             return ctx.message(400, "Invalid JSON body.");
           for (const char* f : allowed) {
             if (!body.contains(f)) return ctx.message(400, std::string("Missing field: ") + f);
           }
           if (body.size() != allowed.size()) return ctx.message(400, "Unknown field.");
           std::lock_guard<std::mutex> lock(ctx.store().mutex());
           ctx.store().config[name] = body;
           if (name == "unattended-boot")
             ctx.store().config["unattendedBoot"] = body.value("status", "off");
           ctx.store().persistLocked(Changes().withSettings());
           ctx.empty(204);
         },
         Produces::kJson, json, true});
}

// PUT /config/{unlock,backup}-passphrase: {"newPassphrase","currentPassphrase"} → 204.
// `matches` checks the current passphrase, `apply` sets the new one (store locked).
template <typename Matches, typename Apply>
void changePassphrase(Ctx& ctx, Matches matches, Apply apply) {
  auto body = ctx.jsonBody({"newPassphrase", "currentPassphrase"});
  if (!body) return;
  auto next = ctx.passphrase(*body, "newPassphrase");
  if (!next) return;
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  if (!matches(ctx.store(), body->value("currentPassphrase", ""))) {
    return ctx.message(400, "Current passphrase is wrong.");
  }
  apply(ctx.store(), *next);
  ctx.store().persistLocked(Changes().withSettings());
  ctx.empty(204);
}

void unlockPassphrase(Ctx& ctx) {
  changePassphrase(
      ctx, [](Store& s, const std::string& current) { return s.checkUnlockPassphrase(current); },
      [](Store& s, const std::string& next) { s.setUnlockPassphrase(next); });
}

void backupPassphrase(Ctx& ctx) {
  // The current backup passphrase is "" while none is set.
  auto matches = [](Store& s, const std::string& current) {
    return s.backupPassphraseHash.empty() ? current.empty()
                                          : saltedHash("backup", current) == s.backupPassphraseHash;
  };
  changePassphrase(ctx, matches,
                   [](Store& s, const std::string& next) { s.setBackupPassphrase(next); });
}

}  // namespace

void addConfigRoutes(Router& r) {
  const std::vector<std::string> json{"application/json"};
  r.add({"PUT", "/config/unlock-passphrase", kOperational, Access::kRootAdmin, unlockPassphrase,
         Produces::kJson, json, true});
  r.add({"PUT", "/config/backup-passphrase", kOperational, Access::kRootAdmin, backupPassphrase,
         Produces::kJson, json, true});
  addStoredDocument(r, "/config/unattended-boot", "unattended-boot", {"status"},
                    {{"status", "off"}});
  addStoredDocument(r, "/config/logging", "logging", {"ipAddress", "port", "logLevel"},
                    {{"ipAddress", "0.0.0.0"}, {"port", 514}, {"logLevel", "info"}});
  addStoredDocument(
      r, "/config/network", "network", {"ipAddress", "netmask", "gateway"},
      {{"ipAddress", "192.168.1.1"}, {"netmask", "255.255.255.0"}, {"gateway", "0.0.0.0"}});
  addStoredDocument(r, "/config/time", "time", {"time"}, {{"time", "2024-01-01T00:00:00Z"}});
}

}  // namespace p11nethsm::mock
