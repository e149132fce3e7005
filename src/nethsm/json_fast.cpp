#include "nethsm/json_fast.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace p11nethsm::nethsm::json_codec {
namespace {

// JSON strings carry these bytes as they are (RFC 8259 §7).
bool verbatim(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
}

bool base64Text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
  });
}

}  // namespace

std::string plainObject(const PlainMembers& members) {
  size_t size = 2;
  for (const auto& [name, value] : members) {
    if (!verbatim(name) || !verbatim(value)) {
      nlohmann::ordered_json doc = nlohmann::ordered_json::object();
      for (const auto& [n, v] : members) doc[std::string(n)] = std::string(v);
      return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    size += name.size() + value.size() + 6;
  }
  std::string out;
  out.reserve(size);
  out += '{';
  for (const auto& [name, value] : members) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":\"";
    out += value;
    out += '"';
  }
  out += '}';
  return out;
}

std::optional<std::string_view> canonicalBase64Member(std::string_view body,
                                                      std::string_view field) {
  // {"field":"...."}
  const size_t head = field.size() + 5;
  if (body.size() < head + 2 || body.substr(0, 2) != "{\"" ||
      body.substr(2, field.size()) != field || body.substr(2 + field.size(), 3) != "\":\"" ||
      body.substr(body.size() - 2) != "\"}") {
    return std::nullopt;
  }
  std::string_view value = body.substr(head, body.size() - head - 2);
  if (!base64Text(value)) return std::nullopt;
  return value;
}

}  // namespace p11nethsm::nethsm::json_codec
