#pragma once
// Helpers shared by the key route groups: mechanism names and order, per-type rules,
// the GET /keys/{id} document and restriction checks (BEHAVIOUR.md §5).
#include <optional>
#include <string>
#include <vector>

#include "api_context.hpp"

namespace p11nethsm::mock {

// Validates a mechanism list for `type` (generate only: import checks nothing) and
// returns it sorted in the API's enum order; nullopt with `error` set otherwise.
std::optional<std::vector<std::string>> checkMechanisms(const nlohmann::json& list, KeyType type,
                                                        bool enforceType, const Firmware& fw,
                                                        std::string& error);
// Whether the firmware knows the key type at all for generate/import.
bool typeSupported(KeyType type, const Firmware& fw);
// GET /keys/{id} with the firmware's member order (mechanisms, type, operations, ...).
nlohmann::ordered_json keyDocument(const Key& key, const Firmware& fw);
// Parses {"tags":[...]} restrictions; nullopt after answering 400.
std::optional<std::set<std::string>> parseRestrictions(Ctx& ctx, const nlohmann::json& body);
// Operators must share a tag with a tagged key. Caller holds the store mutex.
bool restrictionsMetLocked(Ctx& ctx, const Key& key);
// The caller's key map (its namespace). Caller holds the store mutex.
std::map<std::string, Key>& callerKeysLocked(Ctx& ctx);
// The key params[0] of the caller's namespace or nullptr after answering (400/404).
Key* findKeyLocked(Ctx& ctx, bool messageOn404 = false);

}  // namespace p11nethsm::mock
