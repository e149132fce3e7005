#include "key_helpers.hpp"

#include <algorithm>

namespace p11nethsm::mock {
namespace {

// KeyMechanism in the API's enum order (GET /keys/{id} lists them in this order).
const std::vector<std::string>& allMechanisms() {
  static const std::vector<std::string> kAll{"RSA_Decryption_RAW",
                                             "RSA_Decryption_PKCS1",
                                             "RSA_Decryption_OAEP_MD5",
                                             "RSA_Decryption_OAEP_SHA1",
                                             "RSA_Decryption_OAEP_SHA224",
                                             "RSA_Decryption_OAEP_SHA256",
                                             "RSA_Decryption_OAEP_SHA384",
                                             "RSA_Decryption_OAEP_SHA512",
                                             "RSA_Signature_PKCS1",
                                             "RSA_Signature_PSS_MD5",
                                             "RSA_Signature_PSS_SHA1",
                                             "RSA_Signature_PSS_SHA224",
                                             "RSA_Signature_PSS_SHA256",
                                             "RSA_Signature_PSS_SHA384",
                                             "RSA_Signature_PSS_SHA512",
                                             "EdDSA_Signature",
                                             "ECDSA_Signature",
                                             "BIP340_Signature",
                                             "AES_Encryption_CBC",
                                             "AES_Decryption_CBC"};
  return kAll;
}

bool mechanismFitsType(const std::string& m, KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return m.rfind("RSA_", 0) == 0;
    case KeyType::kCurve25519:
      return m == "EdDSA_Signature";
    case KeyType::kEcP256K1:
      return m == "ECDSA_Signature" || m == "BIP340_Signature";
    case KeyType::kGeneric:
      return m.rfind("AES_", 0) == 0;
    default:
      return m == "ECDSA_Signature";
  }
}

}  // namespace

bool typeSupported(KeyType type, const Firmware& fw) {
  switch (type) {
    case KeyType::kEcP224:
      return !fw.atLeast(3, 0);
    case KeyType::kEcP256K1:
    case KeyType::kBrainpoolP256:
    case KeyType::kBrainpoolP384:
    case KeyType::kBrainpoolP512:
      return fw.atLeast(3, 0);
    default:
      return true;
  }
}

std::optional<std::vector<std::string>> checkMechanisms(const nlohmann::json& list, KeyType type,
                                                        bool enforceType, const Firmware& fw,
                                                        std::string& error) {
  error = "Invalid mechanisms for the key type.";
  if (!list.is_array() || (enforceType && list.empty())) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string()) return std::nullopt;
    std::string m = item.get<std::string>();
    const auto& all = allMechanisms();
    if (std::find(all.begin(), all.end(), m) == all.end()) return std::nullopt;
    if (m == "BIP340_Signature" && !fw.atLeast(3, 0)) return std::nullopt;
    if (enforceType && !mechanismFitsType(m, type)) return std::nullopt;
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  const auto& all = allMechanisms();
  std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    return std::find(all.begin(), all.end(), a) < std::find(all.begin(), all.end(), b);
  });
  return out;
}

nlohmann::ordered_json keyDocument(const Key& key, const Firmware& fw) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["mechanisms"] = key.mechanisms;
  doc["type"] = keyTypeName(key.material.type());
  doc["operations"] = key.operations;
  nlohmann::json pub = key.material.publicJson();
  if (!pub.is_null()) doc["public"] = pub;
  doc["restrictions"] = nlohmann::ordered_json::object();
  if (!key.tags.empty()) doc["restrictions"]["tags"] = key.tags;
  if (fw.hasLabels() && !key.label.empty()) doc["label"] = key.label;
  return doc;
}

std::optional<std::set<std::string>> parseRestrictions(Ctx& ctx, const nlohmann::json& body) {
  std::set<std::string> tags;
  if (!body.contains("restrictions")) return tags;
  const auto& r = body["restrictions"];
  if (!r.is_object()) {
    ctx.message(400, "Invalid restrictions.");
    return std::nullopt;
  }
  for (const auto& item : r.items()) {
    if (item.key() != "tags" || !item.value().is_array()) {
      ctx.message(400, "Invalid restrictions.");
      return std::nullopt;
    }
    for (const auto& t : item.value()) {
      if (!t.is_string() || !ctx.checkId(t.get<std::string>())) {
        if (!t.is_string()) ctx.message(400, "Invalid tag.");
        return std::nullopt;
      }
      tags.insert(t.get<std::string>());
    }
  }
  return tags;
}

bool restrictionsMetLocked(Ctx& ctx, const Key& key) {
  if (key.tags.empty() || ctx.caller.role != "Operator") return true;
  auto it = ctx.store().users.find(ctx.caller.name.full());
  if (it == ctx.store().users.end()) return false;
  for (const auto& t : it->second.tags) {
    if (key.tags.count(t) != 0) return true;
  }
  return false;
}

std::map<std::string, Key>& callerKeysLocked(Ctx& ctx) {
  return ctx.store().keys[ctx.caller.name.ns];
}

Key* findKeyLocked(Ctx& ctx, bool messageOn404) {
  if (!ctx.checkId(ctx.params[0])) return nullptr;
  auto& keys = callerKeysLocked(ctx);
  auto it = keys.find(ctx.params[0]);
  if (it != keys.end()) return &it->second;
  if (messageOn404) {
    ctx.message(404, "keyID not found");
  } else {
    ctx.empty(404);
  }
  return nullptr;
}

}  // namespace p11nethsm::mock
