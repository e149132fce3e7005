#include "api_context.hpp"

namespace p11nethsm::mock {

void InstanceState::countEndpoint(const std::string& key) {
  std::lock_guard<std::mutex> lock(endpointMutex);
  ++endpointCounts[key];
}

void Ctx::json(int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void Ctx::orderedJson(int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void Ctx::message(int status, const std::string& text) {
  json(status, nlohmann::json{{"message", text}});
}

void Ctx::empty(int status) {
  res.status = status;
  res.body.clear();
}

void Ctx::content(int status, const std::string& body, const char* contentType) {
  res.status = status;
  res.set_content(body, contentType);
}

std::optional<nlohmann::json> Ctx::jsonBody(std::initializer_list<const char*> allowed) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    message(400, "Invalid JSON body.");
    return std::nullopt;
  }
  for (const auto& item : parsed.items()) {
    bool known = false;
    for (const char* name : allowed) known = known || item.key() == name;
    if (!known) {
      // The firmware's strict record parser (BEHAVIOUR.md §1): unknown field → 400.
      message(400, "Unknown field: " + item.key());
      return std::nullopt;
    }
  }
  return parsed;
}

std::optional<std::string> Ctx::passphrase(const nlohmann::json& body, const char* field) {
  if (body.contains(field) && body[field].is_string()) {
    std::string value = body[field].get<std::string>();
    if (value.size() >= 10 && value.size() <= 200) return value;
  }
  message(400, "Passphrase must be between 10 and 200 characters.");
  return std::nullopt;
}

bool Ctx::checkId(const std::string& id) {
  if (validId(id, core.fw)) return true;
  message(400, core.fw.extendedIds()
                   ? "ID may only contain alphanumeric characters, underscores, dashes, and dots."
                   : "ID may only contain alphanumeric characters.");
  return false;
}

}  // namespace p11nethsm::mock
