// Response bodies of the NetHSM endpoints the client uses (nethsm-api-v4.0.yaml,
// BEHAVIOUR.md §5–§8).
#include <nlohmann/json.hpp>

#include "log/log.hpp"
#include "nethsm/json_codec.hpp"
#include "nethsm/json_fast.hpp"

namespace p11nethsm::nethsm::json_codec {

namespace {

using nlohmann::json;

// Runs `extract` on the parsed body; any parse or type error becomes
// kMalformedResponse naming only `what` (nlohmann's message quotes the input).
template <class F>
auto parseWith(const std::string& body, const char* what, F&& extract)
    -> Result<decltype(extract(std::declval<const json&>()))> {
  try {
    const json doc = json::parse(body);
    return extract(doc);
  } catch (const json::exception& e) {
    return makeError(
        ErrorKind::kMalformedResponse,
        std::string("unexpected ") + what + " answer (json error " + std::to_string(e.id) + ")");
  }
}

Bytes base64Field(const json& object, const char* field) {
  auto decoded = base64Decode(object.at(field).get<std::string>());
  if (!decoded)
    throw json::other_error::create(501, std::string("bad base64 in ") + field, nullptr);
  return std::move(*decoded);
}

std::string stringOr(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

PublicKeyData parsePublic(const json& key) {
  PublicKeyData data;
  auto it = key.find("public");
  if (it == key.end() || it->is_null()) return data;  // Generic keys have none
  if (it->contains("modulus")) {
    data.modulus = base64Field(*it, "modulus");
    data.publicExponent = base64Field(*it, "publicExponent");
  } else if (it->contains("data")) {
    data.data = base64Field(*it, "data");
  }
  return data;
}

}  // namespace

// An entry whose ID is not a key ID ("", ".", "..", "a/b") is skipped with a
// warning: it must never go into a URL, and the other keys stay listed.
Result<std::vector<std::string>> parseKeyList(const std::string& body) {
  return parseWith(body, "key list", [](const json& doc) {
    std::vector<std::string> ids;
    for (const json& item : doc.get_ref<const json::array_t&>()) {
      std::string id = item.at("id").get<std::string>();
      if (isValidKeyId(id)) {
        ids.push_back(std::move(id));
      } else {
        log::warn("GET /keys: skipping '" + printableExcerpt(id) + "', not a NetHSM key ID");
      }
    }
    return ids;
  });
}

Result<KeyInfo> parseKeyInfo(const std::string& body, const std::string& id) {
  auto parsed = parseWith(body, "key", [&](const json& doc) -> Result<KeyInfo> {
    KeyInfo info;
    info.id = id;
    const std::string type = doc.at("type").get<std::string>();
    auto keyType = keyTypeFromString(type);
    if (!keyType) return makeError(ErrorKind::kUnsupported, "unknown key type " + type);
    info.type = *keyType;
    for (const json& m : doc.at("mechanisms")) {
      // A mechanism newer than this module is skipped, not fatal.
      if (auto mech = keyMechanismFromString(m.get<std::string>()))
        info.mechanisms.push_back(*mech);
    }
    info.publicKey = parsePublic(doc);
    auto restrictions = doc.find("restrictions");
    if (restrictions != doc.end() && restrictions->contains("tags")) {
      info.tags = restrictions->at("tags").get<std::vector<std::string>>();
    }
    if (auto ops = doc.find("operations"); ops != doc.end()) {
      // A count. A literal beyond 2^64 is kept as a double, and converting that to
      // uint64_t is undefined behaviour (found by fuzz_answers): only unsigned integers.
      if (!ops->is_number_unsigned()) {
        throw json::type_error::create(302, "operations is not an unsigned integer", nullptr);
      }
      info.operations = ops->get<uint64_t>();
    }
    const std::string label = stringOr(doc, "label");  // firmware ≥ 5.0
    if (!label.empty()) info.label = label;
    return info;
  });
  if (!parsed) return parsed.error();
  return std::move(parsed.value());
}

Result<SystemInfo> parseSystemInfo(const std::string& body) {
  return parseWith(body, "system info", [](const json& doc) {
    SystemInfo info;
    info.softwareVersion = doc.at("softwareVersion").get<std::string>();
    info.softwareBuild = stringOr(doc, "softwareBuild");
    info.firmwareVersion = stringOr(doc, "firmwareVersion");
    info.hardwareVersion = stringOr(doc, "hardwareVersion");
    info.deviceId = stringOr(doc, "deviceId");
    return info;
  });
}

Result<VendorInfo> parseVendorInfo(const std::string& body) {
  return parseWith(body, "info", [](const json& doc) {
    return VendorInfo{doc.at("vendor").get<std::string>(), doc.at("product").get<std::string>()};
  });
}

Result<std::string> parseStringField(const std::string& body, const char* field) {
  return parseWith(body, field,
                   [field](const json& doc) { return doc.at(field).get<std::string>(); });
}

Result<Bytes> parseBase64Field(const std::string& body, const char* field) {
  if (auto text = canonicalBase64Member(body, field)) {  // the firmware's form (json_fast.hpp)
    if (auto decoded = base64Decode(*text)) return std::move(*decoded);
  }
  return parseWith(body, field, [field](const json& doc) { return base64Field(doc, field); });
}

Result<EncryptResult> parseEncryptResult(const std::string& body) {
  return parseWith(body, "encrypt", [](const json& doc) {
    return EncryptResult{base64Field(doc, "encrypted"), base64Field(doc, "iv")};
  });
}

}  // namespace p11nethsm::nethsm::json_codec
