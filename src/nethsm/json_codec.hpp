#pragma once
// NetHSM JSON bodies ↔ value types (nlohmann/json). Parsers never throw and never
// echo a body into an error message (bodies may hold plaintexts or signatures).
#include <optional>
#include <string>
#include <vector>

#include "nethsm/types.hpp"
#include "util/result.hpp"

namespace p11nethsm::nethsm::json_codec {

// --- responses
Result<std::vector<std::string>> parseKeyList(const std::string& body);  // [{"id":..}]
Result<KeyInfo> parseKeyInfo(const std::string& body, const std::string& id);
Result<SystemInfo> parseSystemInfo(const std::string& body);
Result<VendorInfo> parseVendorInfo(const std::string& body);
// The string value of `field` of a JSON object, e.g. {"state":"Operational"}.
Result<std::string> parseStringField(const std::string& body, const char* field);
// A base64 field, e.g. {"signature":"<b64>"}.
Result<Bytes> parseBase64Field(const std::string& body, const char* field);
Result<EncryptResult> parseEncryptResult(const std::string& body);

// --- requests. Builders of bodies with caller text (IDs, tags, labels, passphrases)
// fail with kInvalidArgument when that text is not UTF-8 (JSON cannot carry it).
Result<std::string> generateKeyBody(const GenerateKeyRequest& request, const std::string& id,
                                    bool withLabel);
// The body holds private key material: the caller wipes it after sending.
Result<std::string> importKeyBody(const ImportKeyRequest& request, bool withLabel);
std::string signBody(SignMode mode, const Bytes& message);
std::string decryptBody(DecryptMode mode, const Bytes& data, const std::optional<Bytes>& iv);
std::string encryptBody(const Bytes& message, const std::optional<Bytes>& iv);
std::string randomBody(size_t length);
Result<std::string> passphraseBody(const SecretString& passphrase);
Result<std::string> moveBody(const std::string& newId);
Result<std::string> labelBody(const std::string& label);

}  // namespace p11nethsm::nethsm::json_codec
