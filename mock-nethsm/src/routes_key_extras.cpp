// /keys/{id}: csr.pem, cert, restrictions/tags, move (v3.0+), label (v5.0)
// (BEHAVIOUR.md §5 "Other key endpoints").
#include "key_helpers.hpp"
#include "key_ops.hpp"
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

void csr(Ctx& ctx) {
  auto dn =
      ctx.jsonBody({"countryName", "stateOrProvinceName", "localityName", "organizationName",
                    "organizationalUnitName", "commonName", "emailAddress", "subjectAltNames"});
  if (!dn) return;
  if (!ctx.fw().atLeast(3, 0) && dn->contains("subjectAltNames")) {
    return ctx.message(400, "Unknown field: subjectAltNames");
  }
  std::optional<KeyMaterial> material;
  {
    std::lock_guard<std::mutex> lock(ctx.store().mutex());
    Key* key = findKeyLocked(ctx);
    if (key == nullptr) return;
    material = key->material;
  }
  OpResult r = makeCsr(*material, *dn);
  if (!r.ok) return ctx.message(400, r.message);
  ctx.content(200, toString(r.output), "application/x-pem-file");
}

void putCert(Ctx& ctx) {
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Key* key = findKeyLocked(ctx, true);
  if (key == nullptr) return;
  if (key->certificate) return ctx.message(409, "Certificate already exists.");
  key->certificate = ctx.body;
  ctx.store().persistLocked(Changes().key(ctx.caller.name.ns, ctx.params[0]));
  ctx.empty(201);
}

void getCert(Ctx& ctx) {
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Key* key = findKeyLocked(ctx);
  if (key == nullptr) return;
  if (!key->certificate) return ctx.empty(404);
  ctx.content(200, *key->certificate, "application/octet-stream");
}

void deleteCert(Ctx& ctx) {
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Key* key = findKeyLocked(ctx, true);
  if (key == nullptr) return;
  if (!key->certificate) return ctx.message(404, "There is no certificate for this KeyID.");
  key->certificate.reset();
  ctx.store().persistLocked(Changes().key(ctx.caller.name.ns, ctx.params[0]));
  ctx.empty(204);
}

void keyTag(Ctx& ctx, bool add) {
  if (!ctx.checkId(ctx.params[1])) return;
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Key* key = findKeyLocked(ctx);
  if (key == nullptr) return;
  const std::string& tag = ctx.params[1];
  if (add && !key->tags.insert(tag).second) return ctx.empty(304);
  if (!add && key->tags.erase(tag) == 0) return ctx.empty(404);
  ctx.store().persistLocked(Changes().key(ctx.caller.name.ns, ctx.params[0]));
  ctx.empty(204);
}

void move(Ctx& ctx) {
  auto body = ctx.jsonBody({"newId"});
  if (!body) return;
  std::string newId = body->value("newId", "");
  if (!ctx.checkId(newId)) return;
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Key* key = findKeyLocked(ctx);
  if (key == nullptr) return;
  auto& keys = callerKeysLocked(ctx);
  if (keys.count(newId) != 0) return ctx.message(409, "Key with id " + newId + " already exists");
  Key moved = std::move(*key);
  keys.erase(ctx.params[0]);
  keys.emplace(newId, std::move(moved));
  ctx.store().persistLocked(
      Changes().key(ctx.caller.name.ns, newId).key(ctx.caller.name.ns, ctx.params[0]));
  ctx.json(200, {{"id", newId}});
}

void label(Ctx& ctx, bool set) {
  std::string value;
  if (set) {
    auto body = ctx.jsonBody({"label"});
    if (!body) return;
    if (!(*body)["label"].is_string() || (*body)["label"].get<std::string>().size() > 32) {
      return ctx.message(400, "Invalid label.");
    }
    value = (*body)["label"].get<std::string>();
  }
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Key* key = findKeyLocked(ctx);
  if (key == nullptr) return;
  if (set && key->label == value) return ctx.empty(304);
  key->label = value;
  ctx.store().persistLocked(Changes().key(ctx.caller.name.ns, ctx.params[0]));
  ctx.empty(204);
}

Endpoint since(Endpoint e, int major) {
  e.minMajor = major;
  return e;
}

}  // namespace

void addKeyExtraRoutes(Router& r) {
  const std::vector<std::string> json{"application/json"};
  const std::vector<std::string> octet{"application/octet-stream"};
  r.add(
      {"POST", "/keys/{id}/csr.pem", kOperational, Access::kAdminOrOperator, csr, Produces::kPem});
  r.add({"PUT", "/keys/{id}/cert", kOperational, Access::kAdmin, putCert, Produces::kJson, octet,
         true});
  r.add({"GET", "/keys/{id}/cert", kOperational, Access::kAdminOrOperator, getCert,
         Produces::kOctet});
  r.add({"DELETE", "/keys/{id}/cert", kOperational, Access::kAdmin, deleteCert});
  r.add({"PUT", "/keys/{id}/restrictions/tags/{tag}", kOperational, Access::kAdmin,
         [](Ctx& ctx) { keyTag(ctx, true); }, Produces::kJson, json, true});
  r.add({"DELETE", "/keys/{id}/restrictions/tags/{tag}", kOperational, Access::kAdmin,
         [](Ctx& ctx) { keyTag(ctx, false); }});
  r.add(since({"POST", "/keys/{id}/move", kOperational, Access::kAdmin, move}, 3));
  r.add(since({"PUT", "/keys/{id}/label", kOperational, Access::kAdmin,
               [](Ctx& ctx) { label(ctx, true); }, Produces::kJson, json, true},
              5));
  r.add(since({"DELETE", "/keys/{id}/label", kOperational, Access::kAdmin,
               [](Ctx& ctx) { label(ctx, false); }},
              5));
}

Router buildApiRouter() {
  Router r;
  addSystemRoutes(r);
  addUserRoutes(r);
  addKeyRoutes(r);  // "/keys/{prefix}*" is added before "/keys/{id}"
  addKeyExtraRoutes(r);
  addCryptoRoutes(r);
  addConfigRoutes(r);
  addBackupRoutes(r);
  addTlsConfigRoutes(r);
  return r;
}

}  // namespace p11nethsm::mock
