// /info, /health/*, /provision, /unlock, /lock, /system/*, /metrics
// (BEHAVIOUR.md §3 and §8).
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

// RFC 3339 in UTC: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+00:00)".
bool validUtcTime(const nlohmann::json& v) {
  if (!v.is_string()) return false;
  std::string t = v.get<std::string>();
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return false;
  }
  return t.back() == 'Z' || t.back() == 'z' ||
         (t.size() >= 6 && t.compare(t.size() - 6, 6, "+00:00") == 0);
}

void provision(Ctx& ctx) {
  auto body = ctx.jsonBody({"unlockPassphrase", "adminPassphrase", "systemTime"});
  if (!body) return;
  auto unlockPass = ctx.passphrase(*body, "unlockPassphrase");
  auto adminPass = unlockPass ? ctx.passphrase(*body, "adminPassphrase") : std::nullopt;
  if (!adminPass) return;
  if (!body->contains("systemTime") || !validUtcTime((*body)["systemTime"])) {
    return ctx.message(400, "systemTime must be an RFC 3339 UTC timestamp.");
  }
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Store& s = ctx.store();
  if (s.state != HsmState::kUnprovisioned) return ctx.message(412, "Service not available");
  s.setUnlockPassphrase(*unlockPass);
  User admin{"admin", "Administrator", "", "", {}};
  s.setUserPassphrase(admin, *adminPass);
  s.users["admin"] = admin;
  s.state = HsmState::kOperational;
  s.persistAllLocked();
  ctx.empty(204);
}

void unlock(Ctx& ctx) {
  const std::string ip = ctx.req.remote_addr;
  if (ctx.inst.rateLimiter.limited(ip, "_unlock")) {
    return ctx.message(429, "Service unavailable: too many requests");
  }
  auto body = ctx.jsonBody({"passphrase"});
  if (!body) return ctx.inst.rateLimiter.recordFailure(ip, "_unlock");
  auto pass = ctx.passphrase(*body, "passphrase");
  if (!pass) return ctx.inst.rateLimiter.recordFailure(ip, "_unlock");
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  if (!ctx.store().checkUnlockPassphrase(*pass)) {
    ctx.inst.rateLimiter.recordFailure(ip, "_unlock");
    return ctx.message(403, "Unlock failed: wrong passphrase.");
  }
  ctx.store().state = HsmState::kOperational;
  ctx.res.set_header("Cache-Control", "no-cache");
  ctx.empty(204);
}

void setState(Ctx& ctx, HsmState state) {
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  if (state == HsmState::kUnprovisioned) ctx.store().resetLocked();
  ctx.store().state = state;
  if (state == HsmState::kUnprovisioned)
    ctx.store().persistAllLocked();
  else
    ctx.store().persistLocked(Changes().withSettings());
  ctx.res.set_header("Cache-Control", "no-cache");
  ctx.empty(204);
}

void reboot(Ctx& ctx) {
  bool unattended;
  {
    std::lock_guard<std::mutex> lock(ctx.store().mutex());
    unattended = ctx.store().config.value("unattendedBoot", "off") == "on";
  }
  setState(ctx, unattended ? HsmState::kOperational : HsmState::kLocked);
}

void systemInfo(Ctx& ctx) {
  ctx.json(200, {{"softwareVersion", ctx.fw().text()},
                 {"softwareBuild", "mock-" + ctx.fw().text()},
                 {"firmwareVersion", "mock"},
                 {"hardwareVersion", "mock"},
                 {"deviceId", "MOCKNETHSM"},
                 {"akPub", nlohmann::json::object()},
                 {"pcr", nlohmann::json::object()}});
}

void metrics(Ctx& ctx) {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                 ctx.core.started);
  // All values are strings on the firmware.
  nlohmann::json out{{"uptime", std::to_string(uptime.count())},
                     {"sign", std::to_string(ctx.core.signs.load())},
                     {"decrypt", std::to_string(ctx.core.decrypts.load())},
                     {"encrypt", std::to_string(ctx.core.encrypts.load())},
                     {"generate", std::to_string(ctx.core.generates.load())},
                     {"log warnings", "0"}};
  std::lock_guard<std::mutex> lock(ctx.core.statusMutex);
  for (const auto& [status, count] : ctx.core.statusCounts) {
    out["http status " + std::to_string(status)] = std::to_string(count);
  }
  ctx.json(200, out);
}

}  // namespace

void addSystemRoutes(Router& r) {
  auto ok200 = [](Ctx& ctx) { ctx.empty(200); };
  r.add({"GET",
         "/info",
         kAnyState,
         Access::kPublic,
         [](Ctx& ctx) {
           ctx.json(200, {{"vendor", "Nitrokey GmbH"}, {"product", "NetHSM"}});
         },
         Produces::kJson,
         {},
         false,
         1u << 20,
         true});
  r.add({"GET", "/health/alive", kUnprovisioned | kLocked, Access::kPublic, ok200});
  r.add({"GET", "/health/ready", kOperational, Access::kPublic, ok200});
  r.add({"GET", "/health/state", kAnyState, Access::kPublic, [](Ctx& ctx) {
           std::lock_guard<std::mutex> lock(ctx.store().mutex());
           ctx.json(200, {{"state", stateName(ctx.store().state)}});
         }});
  r.add({"POST", "/provision", kUnprovisioned, Access::kPublic, provision});
  r.add({"POST", "/unlock", kLocked, Access::kPublic, unlock});
  r.add({"POST",
         "/lock",
         kOperational,
         Access::kRootAdmin,
         [](Ctx& ctx) { setState(ctx, HsmState::kLocked); },
         Produces::kJson,
         {}});
  r.add({"GET",
         "/system/info",
         kOperational,
         Access::kRootAdmin,
         systemInfo,
         Produces::kJson,
         {},
         false,
         1u << 20,
         true});
  r.add({"GET", "/metrics", kOperational, Access::kMetrics, metrics});
  r.add({"POST", "/system/reboot", kOperational, Access::kRootAdmin, reboot, Produces::kJson, {}});
  r.add({"POST",
         "/system/factory-reset",
         kOperational,
         Access::kRootAdmin,
         [](Ctx& ctx) { setState(ctx, HsmState::kUnprovisioned); },
         Produces::kJson,
         {}});
  auto noop = [](Ctx& ctx) { ctx.empty(204); };
  // v3.0+: shutdown is unauthenticated in Locked and Unprovisioned.
  r.add({"POST",
         "/system/shutdown",
         kAnyState,
         Access::kRootAdminWhenOperational,
         noop,
         Produces::kJson,
         {}});
  for (const char* p : {"/system/commit-update", "/system/cancel-update"}) {
    r.add({"POST", p, kOperational, Access::kRootAdmin, noop, Produces::kJson, {}});
  }
  r.add({"POST",
         "/system/update",
         kOperational,
         Access::kRootAdmin,
         [](Ctx& ctx) {
           ctx.json(200, {{"releaseNotes", "mock update"}});
         },
         Produces::kJson,
         {"application/octet-stream"},
         false,
         64u << 20});
}

}  // namespace p11nethsm::mock
