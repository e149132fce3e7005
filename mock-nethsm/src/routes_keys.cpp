// /keys: list, get, generate, import (JSON and multipart PEM), delete, public.pem
// (BEHAVIOUR.md §5).
#include "key_helpers.hpp"
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

std::vector<const char*> keyFields(Ctx& ctx, std::vector<const char*> base) {
  if (ctx.fw().hasLabels()) base.push_back("label");
  return base;
}

// Body as a JSON object with only `fields` allowed (the list is dynamic: 5.0 adds label).
std::optional<nlohmann::json> bodyWith(Ctx& ctx, const std::string& text,
                                       const std::vector<const char*>& fields) {
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    ctx.message(400, "Invalid JSON body.");
    return std::nullopt;
  }
  for (const auto& item : body.items()) {
    if (std::find_if(fields.begin(), fields.end(),
                     [&](const char* f) { return item.key() == f; }) == fields.end()) {
      ctx.message(400, "Unknown field: " + item.key());
      return std::nullopt;
    }
  }
  if (body.contains("label") &&
      (!body["label"].is_string() || body["label"].get<std::string>().size() > 32)) {
    ctx.message(400, "Invalid label.");
    return std::nullopt;
  }
  return body;
}

// Stores a new key under `id` (generated when empty); answers 400 if it exists.
bool insertKey(Ctx& ctx, std::string& id, Key key) {
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  auto& keys = callerKeysLocked(ctx);
  if (id.empty()) {
    do id = generateId();
    while (keys.count(id) != 0);
  }
  if (keys.count(id) != 0) {
    ctx.message(400, "Key with id " + id + " already exists");
    return false;
  }
  keys.emplace(id, std::move(key));
  ctx.store().persistLocked(Changes().key(ctx.caller.name.ns, id));
  return true;
}

void created(Ctx& ctx, const std::string& id) {
  ctx.res.set_header("Location", "/api/v1/keys/" + id);
  ctx.res.set_header("Cache-Control", "no-cache");
  ctx.json(201, {{"id", id}});
}

void generate(Ctx& ctx) {
  auto body = bodyWith(ctx, ctx.body,
                       keyFields(ctx, {"mechanisms", "type", "length", "id", "restrictions"}));
  if (!body) return;
  auto type = parseKeyType(body->value("type", ""));
  if (!type || !typeSupported(*type, ctx.fw())) return ctx.message(400, "Invalid key type.");
  std::string error;
  auto mechs =
      checkMechanisms(body->value("mechanisms", nlohmann::json()), *type, true, ctx.fw(), error);
  if (!mechs) return ctx.message(400, error);
  std::string id = body->value("id", "");
  if (!id.empty() && !ctx.checkId(id)) return;
  auto tags = parseRestrictions(ctx, *body);
  if (!tags) return;
  int length = 0;
  if (body->contains("length")) {
    if (!(*body)["length"].is_number_integer()) return ctx.message(400, "Invalid length.");
    length = (*body)["length"].get<int>();
  }
  auto material = KeyMaterial::generate(*type, length, error);
  if (!material) return ctx.message(400, error);
  Key key{*material, *mechs, *tags, std::nullopt, 0, body->value("label", "")};
  if (!insertKey(ctx, id, std::move(key))) return;
  ctx.core.generates++;
  created(ctx, id);
}

// Import (POST /keys, PUT /keys/{id}): JSON, or multipart with arguments then PEM.
std::optional<Key> importedKey(Ctx& ctx) {
  std::string error;
  std::optional<KeyMaterial> material;
  std::optional<nlohmann::json> args;
  if (ctx.req.is_multipart_form_data()) {
    if (ctx.parts.size() != 2) {
      ctx.message(400, "Multipart import needs exactly two parts.");
      return std::nullopt;
    }
    args = bodyWith(ctx, ctx.parts[0].content, keyFields(ctx, {"mechanisms", "restrictions"}));
    if (!args) return std::nullopt;
    material = KeyMaterial::fromPem(ctx.parts[1].content, error);
  } else {
    args =
        bodyWith(ctx, ctx.body, keyFields(ctx, {"type", "mechanisms", "private", "restrictions"}));
    if (!args) return std::nullopt;
    auto type = parseKeyType(args->value("type", ""));
    if (!type || !typeSupported(*type, ctx.fw()) || !args->contains("private")) {
      ctx.message(400, "Invalid key type or missing private key.");
      return std::nullopt;
    }
    material = KeyMaterial::fromJson(*type, (*args)["private"], error);
  }
  if (!material) {
    ctx.message(400, error);
    return std::nullopt;
  }
  auto mechs = checkMechanisms(args->value("mechanisms", nlohmann::json::array()), material->type(),
                               false, ctx.fw(), error);
  if (!mechs) {
    ctx.message(400, error);
    return std::nullopt;
  }
  auto tags = parseRestrictions(ctx, *args);
  if (!tags) return std::nullopt;
  return Key{*material, *mechs, *tags, std::nullopt, 0, args->value("label", "")};
}

void listKeys(Ctx& ctx, const std::string& prefix) {
  bool filter = ctx.req.has_param("filter") && ctx.caller.role == "Operator";
  bool byLabel = ctx.fw().hasLabels() && ctx.req.has_param("label");
  std::string label = ctx.req.get_param_value("label");
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  for (const auto& [id, key] : callerKeysLocked(ctx)) {
    if (id.compare(0, prefix.size(), prefix) != 0) continue;
    if (filter && !restrictionsMetLocked(ctx, key)) continue;
    if (byLabel && key.label != label) continue;
    out.push_back({{"id", id}});
  }
  ctx.json(200, out);
}

}  // namespace

void addKeyRoutes(Router& r) {
  const std::vector<std::string> json{"application/json"};
  const std::vector<std::string> importTypes{"application/json", "multipart/form-data"};
  r.add({"GET", "/keys", kOperational, Access::kAdminOrOperator,
         [](Ctx& ctx) { listKeys(ctx, ""); }, Produces::kJson, json, false, 1u << 20, true});
  Endpoint prefixList{"GET", "/keys/{prefix}*", kOperational, Access::kAdminOrOperator,
                      [](Ctx& ctx) {
                        if (ctx.params[0].empty()) return ctx.message(400, "Empty key ID prefix.");
                        listKeys(ctx, ctx.params[0]);
                      }};
  prefixList.minMajor = 3;
  r.add(prefixList);
  r.add({"POST", "/keys/generate", kOperational, Access::kAdmin, generate, Produces::kJson, json,
         true});
  r.add({"POST", "/keys", kOperational, Access::kAdmin,
         [](Ctx& ctx) {
           auto key = importedKey(ctx);
           std::string id;
           if (key && insertKey(ctx, id, std::move(*key))) created(ctx, id);
         },
         Produces::kJson, importTypes, true});
  r.add({"PUT", "/keys/{id}", kOperational, Access::kAdmin,
         [](Ctx& ctx) {
           if (!ctx.checkId(ctx.params[0])) return;
           auto key = importedKey(ctx);
           std::string id = ctx.params[0];
           // [code≠spec] an existing ID is 400, not the spec's 409.
           if (key && insertKey(ctx, id, std::move(*key))) ctx.empty(204);
         },
         Produces::kJson, importTypes, true});
  r.add({"GET", "/keys/{id}", kOperational, Access::kAdminOrOperator,
         [](Ctx& ctx) {
           std::lock_guard<std::mutex> lock(ctx.store().mutex());
           if (Key* key = findKeyLocked(ctx)) ctx.orderedJson(200, keyDocument(*key, ctx.fw()));
         },
         Produces::kJson, json, false, 1u << 20, true});
  r.add({"DELETE", "/keys/{id}", kOperational, Access::kAdmin, [](Ctx& ctx) {
           std::lock_guard<std::mutex> lock(ctx.store().mutex());
           if (findKeyLocked(ctx) == nullptr) return;
           callerKeysLocked(ctx).erase(ctx.params[0]);
           ctx.store().persistLocked(Changes().key(ctx.caller.name.ns, ctx.params[0]));
           ctx.empty(204);
         }});
  r.add({"GET", "/keys/{id}/public.pem", kOperational, Access::kAdminOrOperator,
         [](Ctx& ctx) {
           std::optional<std::string> pem;
           {
             std::lock_guard<std::mutex> lock(ctx.store().mutex());
             Key* key = findKeyLocked(ctx);
             if (key == nullptr) return;
             pem = key->material.publicPem();
           }
           if (!pem) return ctx.message(400, "Generic keys have no public key.");
           ctx.content(200, *pem, "application/x-pem-file");
         },
         Produces::kPem});
}

}  // namespace p11nethsm::mock
