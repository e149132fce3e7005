// /users*, /namespaces* (BEHAVIOUR.md §7).
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

const char* kRoles[] = {"Administrator", "Operator", "Metrics", "Backup"};

bool validRole(const nlohmann::json& v) {
  if (!v.is_string()) return false;
  for (const char* r : kRoles) {
    if (v.get<std::string>() == r) return true;
  }
  return false;
}

// Parses and authorises a target user name from the path. Root administrators act on
// every namespace, namespaced callers only on their own (403 otherwise).
std::optional<UserName> targetUser(Ctx& ctx, const std::string& full) {
  auto name = splitUserName(full);
  if (!name || !ctx.checkId(name->id) || (!name->ns.empty() && !ctx.checkId(name->ns))) {
    if (!name) ctx.message(400, "Invalid user ID.");
    return std::nullopt;
  }
  if (!ctx.caller.name.ns.empty() && ctx.caller.name.ns != name->ns) {
    ctx.empty(403);
    return std::nullopt;
  }
  return name;
}

// Shared by POST /users, POST /users/ns~ and PUT /users/{id}.
bool createUser(Ctx& ctx, const UserName& name) {
  auto body = ctx.jsonBody({"realName", "role", "passphrase"});
  if (!body) return false;
  const auto& b = *body;
  if (!b.contains("realName") || !b["realName"].is_string() || !b.contains("role") ||
      !validRole(b["role"])) {
    ctx.message(400, "realName and a valid role are required.");
    return false;
  }
  auto pass = ctx.passphrase(b, "passphrase");
  if (!pass) return false;
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Store& s = ctx.store();
  // A root administrator creates ns~user only while ns does not exist yet.
  if (!name.ns.empty() && ctx.caller.name.ns.empty() && s.namespaces.count(name.ns) != 0) {
    ctx.message(400, "Namespace already exists; its own administrators create its users.");
    return false;
  }
  if (s.users.count(name.full()) != 0) {
    ctx.message(409, "User already exists.");
    return false;
  }
  User u{b["realName"].get<std::string>(), b["role"].get<std::string>(), "", "", {}};
  s.setUserPassphrase(u, *pass);
  s.users[name.full()] = u;
  s.persistLocked(Changes().user(name.full()));
  ctx.res.set_header("Location", "/api/v1/users/" + name.full());
  return true;
}

void postUser(Ctx& ctx, const std::string& ns) {
  UserName name{ns, generateId()};
  if (!createUser(ctx, name)) return;
  ctx.json(201, {{"id", name.full()}});
}

void listUsers(Ctx& ctx) {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  for (const auto& [full, user] : ctx.store().users) {
    if (!ctx.caller.name.ns.empty() && splitUserName(full)->ns != ctx.caller.name.ns) continue;
    out.push_back({{"user", full}});
  }
  ctx.json(200, out);
}

// Runs `fn` on an existing target user under the store lock; 404 if absent.
template <typename Fn>
void withUser(Ctx& ctx, Fn fn) {
  auto name = targetUser(ctx, ctx.params[0]);
  if (!name) return;
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  auto it = ctx.store().users.find(name->full());
  if (it == ctx.store().users.end()) return ctx.empty(404);
  fn(it->second, *name);
}

void deleteUser(Ctx& ctx) {
  if (ctx.params[0] == ctx.caller.name.full()) return ctx.message(400, "Cannot delete yourself.");
  withUser(ctx, [&](User&, const UserName& name) {
    ctx.store().users.erase(name.full());
    ctx.store().persistLocked(Changes().user(name.full()));
    ctx.empty(204);
  });
}

void changePassphrase(Ctx& ctx) {
  auto body = ctx.jsonBody({"passphrase"});
  if (!body) return;
  auto pass = ctx.passphrase(*body, "passphrase");
  if (!pass) return;
  withUser(ctx, [&](User& user, const UserName& name) {
    ctx.store().setUserPassphrase(user, *pass);
    ctx.store().persistLocked(Changes().user(name.full()));
    ctx.empty(204);
  });
}

void userTag(Ctx& ctx, bool add) {
  if (!ctx.checkId(ctx.params[1])) return;
  withUser(ctx, [&](User& user, const UserName& name) {
    if (user.role != "Operator") return ctx.message(400, "Tags can only be set on Operator users.");
    const std::string& tag = ctx.params[1];
    if (add && !user.tags.insert(tag).second) return ctx.empty(304);
    if (!add && user.tags.erase(tag) == 0) return ctx.empty(404);
    ctx.store().persistLocked(Changes().user(name.full()));
    ctx.empty(204);
  });
}

void namespaceChange(Ctx& ctx, bool add) {
  const std::string& ns = ctx.params[0];
  if (!ctx.checkId(ns)) return;
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Store& s = ctx.store();
  if (add) {
    if (!s.namespaces.insert(ns).second) return ctx.message(409, "Namespace already exists.");
  } else {
    if (s.namespaces.erase(ns) == 0) return ctx.empty(404);
    s.keys.erase(ns);  // deleting a namespace deletes all its keys
  }
  if (add)
    s.persistLocked(Changes().withSettings());
  else
    s.persistAllLocked();
  ctx.empty(204);
}

}  // namespace

void addUserRoutes(Router& r) {
  const std::vector<std::string> json{"application/json"};
  r.add({"GET", "/users", kOperational, Access::kAdmin, listUsers, Produces::kJson, json, false,
         1u << 20, true});
  r.add({"POST", "/users", kOperational, Access::kAdmin,
         [](Ctx& ctx) { postUser(ctx, ctx.caller.name.ns); }, Produces::kJson, json, true});
  r.add({"POST", "/users/{id}", kOperational, Access::kAdmin,
         [](Ctx& ctx) {
           // POST /users/ns~ creates a user with a generated ID in namespace ns.
           const std::string& p = ctx.params[0];
           if (p.size() < 2 || p.back() != '~' || !ctx.checkId(p.substr(0, p.size() - 1))) {
             return ctx.empty(405);
           }
           std::string ns = p.substr(0, p.size() - 1);
           if (!ctx.caller.name.ns.empty() && ctx.caller.name.ns != ns) return ctx.empty(403);
           postUser(ctx, ns);
         },
         Produces::kJson, json, true});
  r.add({"PUT", "/users/{id}", kOperational, Access::kAdmin,
         [](Ctx& ctx) {
           auto name = targetUser(ctx, ctx.params[0]);
           if (name && createUser(ctx, *name)) ctx.empty(201);
         },
         Produces::kJson, json, true});
  r.add({"GET", "/users/{id}", kOperational, Access::kSelfOrAdmin,
         [](Ctx& ctx) {
           withUser(ctx, [&](User& u, const UserName&) {
             ctx.json(200, {{"realName", u.realName}, {"role", u.role}});
           });
         },
         Produces::kJson, json, false, 1u << 20, true});
  r.add({"DELETE", "/users/{id}", kOperational, Access::kAdmin, deleteUser});
  r.add({"POST", "/users/{id}/passphrase", kOperational, Access::kSelfOrAdmin, changePassphrase});
  r.add({"GET", "/users/{id}/tags", kOperational, Access::kSelfOrAdmin, [](Ctx& ctx) {
           withUser(ctx, [&](User& u, const UserName&) {
             if (u.role != "Operator") return ctx.empty(404);
             ctx.json(200, u.tags);
           });
         }});
  r.add({"PUT", "/users/{id}/tags/{tag}", kOperational, Access::kAdmin,
         [](Ctx& ctx) { userTag(ctx, true); }, Produces::kJson, json, true});
  r.add({"DELETE", "/users/{id}/tags/{tag}", kOperational, Access::kAdmin,
         [](Ctx& ctx) { userTag(ctx, false); }});
  r.add({"GET", "/namespaces", kOperational, Access::kRootAdmin, [](Ctx& ctx) {
           nlohmann::json out = nlohmann::json::array();
           std::lock_guard<std::mutex> lock(ctx.store().mutex());
           for (const auto& ns : ctx.store().namespaces) out.push_back({{"id", ns}});
           ctx.json(200, out);
         }});
  r.add({"PUT", "/namespaces/{id}", kOperational, Access::kRootAdmin,
         [](Ctx& ctx) { namespaceChange(ctx, true); }, Produces::kJson, json, true});
  r.add({"DELETE", "/namespaces/{id}", kOperational, Access::kRootAdmin,
         [](Ctx& ctx) { namespaceChange(ctx, false); }});
}

}  // namespace p11nethsm::mock
