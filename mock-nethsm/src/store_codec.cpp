// The store's entities as JSON: the snapshot (also the /system/backup content), and
// the pieces a journal line carries (one key, one user, the settings).
#include "store.hpp"

namespace p11nethsm::mock {
namespace {

using nlohmann::json;

std::string nsKey(const std::string& ns) { return ns.empty() ? "~" : ns; }
std::string nsFromKey(const std::string& key) { return key == "~" ? "" : key; }

json userJson(const User& u) {
  return {{"realName", u.realName},
          {"role", u.role},
          {"salt", u.salt},
          {"hash", u.passHash},
          {"tags", u.tags}};
}

User userFromJson(const json& uj) {
  return User{uj.value("realName", ""), uj.value("role", ""), uj.value("salt", ""),
              uj.value("hash", ""), uj.value("tags", std::set<std::string>{})};
}

json keyJson(const Key& k) {
  json kj{{"material", k.material.toStorage()},
          {"mechanisms", k.mechanisms},
          {"tags", k.tags},
          {"operations", k.operations},
          {"label", k.label}};
  if (k.certificate) kj["certificate"] = base64Encode(*k.certificate);
  return kj;
}

std::optional<Key> keyFromJson(const json& kj) {
  auto material = KeyMaterial::fromStorage(kj.at("material"));
  if (!material) return std::nullopt;
  Key k{*material,
        kj.value("mechanisms", std::vector<std::string>{}),
        kj.value("tags", std::set<std::string>{}),
        std::nullopt,
        kj.value("operations", uint64_t{0}),
        kj.value("label", "")};
  if (kj.contains("certificate")) {
    auto cert = base64Decode(kj["certificate"].get<std::string>());
    if (cert) k.certificate = toString(*cert);
  }
  return k;
}

}  // namespace

json Store::settingsJsonLocked() const {
  return {{"state", state == HsmState::kUnprovisioned ? "Unprovisioned" : "Operational"},
          {"unlock", {{"salt", unlockSalt}, {"hash", unlockHash}}},
          {"backupPassphraseHash", backupPassphraseHash},
          {"backupKey", {{"salt", backupKeySalt}, {"key", backupKey}}},
          {"namespaces", namespaces},
          {"config", config}};
}

void Store::applySettingsLocked(const json& j) {
  persistedProvisioned_ = j.value("state", "Unprovisioned") != "Unprovisioned";
  const json unlock = j.value("unlock", json::object());
  unlockSalt = unlock.value("salt", "");
  unlockHash = unlock.value("hash", "");
  backupPassphraseHash = j.value("backupPassphraseHash", "");
  const json backup = j.value("backupKey", json::object());
  backupKeySalt = backup.value("salt", "");
  backupKey = backup.value("key", "");
  namespaces = j.value("namespaces", std::set<std::string>{});
  config = j.value("config", json::object());
}

// A restarted appliance boots Locked unless unattended boot is on. The mock boots
// Operational unless unattended boot was explicitly switched off, so that scripts
// restarting it keep working (README.md "State file").
void Store::applyBootStateLocked() {
  const bool unattendedOff = config.is_object() && config.value("unattendedBoot", "") == "off";
  state = !persistedProvisioned_ ? HsmState::kUnprovisioned
          : unattendedOff        ? HsmState::kLocked
                                 : HsmState::kOperational;
}

json Store::toJsonLocked() const {
  json j = settingsJsonLocked();
  for (const auto& [name, u] : users) j["users"][name] = userJson(u);
  for (const auto& [ns, byId] : keys)
    for (const auto& [id, k] : byId) j["keys"][nsKey(ns)][id] = keyJson(k);
  return j;
}

bool Store::fromJsonLocked(const json& j) {
  resetLocked();
  try {
    applySettingsLocked(j);
    // Named copies: a temporary from value() would die before the loop body runs.
    const json allUsers = j.value("users", json::object());
    const json allKeys = j.value("keys", json::object());
    for (const auto& [name, uj] : allUsers.items()) users[name] = userFromJson(uj);
    for (const auto& [ns, byId] : allKeys.items()) {
      for (const auto& [id, kj] : byId.items()) {
        auto k = keyFromJson(kj);
        if (!k) return false;
        keys[nsFromKey(ns)].emplace(id, std::move(*k));
      }
    }
  } catch (const json::exception&) {
    return false;
  }
  applyBootStateLocked();
  return true;
}

// {"keys":[{"ns","id","key"|null}],"users":[{"name","user"|null}],"settings":{...}}
bool Store::applyChangesLocked(const json& line) {
  try {
    if (line.contains("settings")) applySettingsLocked(line["settings"]);
    for (const auto& u : line.value("users", json::array())) {
      const std::string name = u.at("name").get<std::string>();
      if (u.at("user").is_null())
        users.erase(name);
      else
        users[name] = userFromJson(u["user"]);
    }
    for (const auto& entry : line.value("keys", json::array())) {
      const std::string ns = entry.at("ns").get<std::string>(),
                        id = entry.at("id").get<std::string>();
      if (entry.at("key").is_null()) {
        if (auto it = keys.find(ns); it != keys.end()) it->second.erase(id);
        continue;
      }
      auto k = keyFromJson(entry["key"]);
      if (!k) return false;
      keys[ns].insert_or_assign(id, std::move(*k));
    }
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

std::string Store::changesLineLocked(const Changes& changes) const {
  json line = json::object();
  if (changes.settings) line["settings"] = settingsJsonLocked();
  for (const auto& name : changes.users) {
    auto it = users.find(name);
    line["users"].push_back(
        {{"name", name}, {"user", it == users.end() ? json() : userJson(it->second)}});
  }
  for (const auto& [ns, id] : changes.keys) {
    json value;  // null: deleted
    if (auto byNs = keys.find(ns); byNs != keys.end()) {
      if (auto it = byNs->second.find(id); it != byNs->second.end()) value = keyJson(it->second);
    }
    line["keys"].push_back({{"ns", ns}, {"id", id}, {"key", value}});
  }
  return line.dump();
}

}  // namespace p11nethsm::mock
