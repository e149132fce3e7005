// Request bodies (nethsm-api-v4.0.yaml). The firmware rejects unknown fields with
// 400 (BEHAVIOUR.md §1), so 5.0-only fields are added only when asked to.
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "nethsm/json_codec.hpp"
#include "nethsm/json_fast.hpp"

namespace p11nethsm::nethsm::json_codec {

namespace {

using nlohmann::json;

// nlohmann refuses to serialise invalid UTF-8 (type_error 316); no exception leaves.
Result<std::string> dumpText(const json& doc) {
  try {
    return doc.dump();
  } catch (const json::exception&) {
    return makeError(ErrorKind::kInvalidArgument, "text sent to the NetHSM must be UTF-8");
  }
}

json mechanismList(const std::vector<KeyMechanism>& mechanisms) {
  json list = json::array();
  for (KeyMechanism m : mechanisms) list.push_back(std::string(toString(m)));
  return list;
}

void addCommonKeyFields(json& doc, const std::vector<std::string>& tags,
                        const std::optional<std::string>& label, bool withLabel) {
  if (!tags.empty()) doc["restrictions"] = {{"tags", tags}};
  if (withLabel && label && !label->empty()) doc["label"] = *label;
}

// The private part of an import; every base64 string of key material is wiped
// once copied into the document.
json privatePart(const ImportKeyRequest& request) {
  json priv = json::object();
  if (request.type == KeyType::kRsa) {
    priv["primeP"] = base64Encode(request.primeP);
    priv["primeQ"] = base64Encode(request.primeQ);
    priv["publicExponent"] = base64Encode(request.publicExponent);
  } else {
    std::string data = base64Encode(request.data.reveal());
    priv["data"] = data;
    OPENSSL_cleanse(data.data(), data.size());
  }
  return priv;
}

}  // namespace

Result<std::string> generateKeyBody(const GenerateKeyRequest& request, const std::string& id,
                                    bool withLabel) {
  json doc = {{"mechanisms", mechanismList(request.mechanisms)},
              {"type", std::string(toString(request.type))},
              {"id", id}};
  // length: required for RSA and Generic, ignored by the firmware for EC/Ed.
  if (request.length != 0) doc["length"] = request.length;
  addCommonKeyFields(doc, request.tags, request.label, withLabel);
  return dumpText(doc);
}

Result<std::string> importKeyBody(const ImportKeyRequest& request, bool withLabel) {
  json doc = {{"type", std::string(toString(request.type))},
              {"mechanisms", mechanismList(request.mechanisms)}};
  doc["private"] = privatePart(request);
  addCommonKeyFields(doc, request.tags, request.label, withLabel);
  Result<std::string> body = dumpText(doc);
  // Wipe the key material held by the document before it is freed.
  for (auto& [name, value] : doc["private"].items()) {
    auto& text = value.get_ref<std::string&>();
    OPENSSL_cleanse(text.data(), text.size());
  }
  return body;
}

// Mode names and base64 text: plainObject (json_fast.hpp) writes them directly.
std::string signBody(SignMode mode, const Bytes& message) {
  const std::string text = base64Encode(message);
  return plainObject({{"mode", toString(mode)}, {"message", text}});
}

std::string decryptBody(DecryptMode mode, const Bytes& data, const std::optional<Bytes>& iv) {
  const std::string text = base64Encode(data);
  const std::string ivText = iv ? base64Encode(*iv) : std::string();
  PlainMembers members{{"mode", toString(mode)}, {"encrypted", text}};
  if (iv) members.emplace_back("iv", ivText);
  return plainObject(members);
}

std::string encryptBody(const Bytes& message, const std::optional<Bytes>& iv) {
  const std::string text = base64Encode(message);
  const std::string ivText = iv ? base64Encode(*iv) : std::string();
  PlainMembers members{{"mode", "AES_CBC"}, {"message", text}};
  if (iv) members.emplace_back("iv", ivText);
  return plainObject(members);
}

std::string randomBody(size_t length) { return json{{"length", length}}.dump(); }

Result<std::string> passphraseBody(const SecretString& passphrase) {
  json doc = {{"passphrase", passphrase.reveal()}};
  Result<std::string> body = dumpText(doc);
  auto& text = doc["passphrase"].get_ref<std::string&>();
  OPENSSL_cleanse(text.data(), text.size());
  return body;
}

Result<std::string> moveBody(const std::string& newId) { return dumpText(json{{"newId", newId}}); }

Result<std::string> labelBody(const std::string& label) { return dumpText(json{{"label", label}}); }

}  // namespace p11nethsm::nethsm::json_codec
