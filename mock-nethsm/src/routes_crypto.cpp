// POST /keys/{id}/sign|decrypt|encrypt and /random (BEHAVIOUR.md §6 and §8). The
// crypto runs outside the store lock on a copy of the key material.
#include <algorithm>

#include "key_helpers.hpp"
#include "key_ops.hpp"
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

enum class Op { kSign, kDecrypt, kEncrypt };

struct OpSpec {
  Op op;
  const char* inputField;   // "message" or "encrypted"
  const char* outputField;  // "signature", "decrypted", "encrypted"
  const char* deniedText;   // mechanism not allowed
};

constexpr OpSpec kSign{Op::kSign, "message", "signature",
                       "Key mechanisms do not allow requested signing."};
constexpr OpSpec kDecrypt{Op::kDecrypt, "encrypted", "decrypted",
                          "Key mechanisms do not allow requested decryption."};
constexpr OpSpec kEncrypt{Op::kEncrypt, "message", "encrypted",
                          "Key mechanisms do not allow requested encryption."};

std::optional<nlohmann::json> opBody(Ctx& ctx, const OpSpec& spec) {
  if (spec.op == Op::kSign) return ctx.jsonBody({"mode", "message"});
  if (spec.op == Op::kDecrypt) return ctx.jsonBody({"mode", "encrypted", "iv"});
  return ctx.jsonBody({"mode", "message", "iv"});
}

std::string mechanismFor(const OpSpec& spec, const std::string& mode) {
  if (spec.op == Op::kSign) return signMechanism(mode);
  if (spec.op == Op::kDecrypt) return decryptMechanism(mode);
  return encryptMechanism(mode);
}

void runOperation(Ctx& ctx, const OpSpec& spec) {
  auto body = opBody(ctx, spec);
  if (!body) return;
  std::optional<KeyMaterial> material;
  std::vector<std::string> mechanisms;
  {
    std::lock_guard<std::mutex> lock(ctx.store().mutex());
    Key* key = findKeyLocked(ctx);
    if (key == nullptr) return;
    if (!restrictionsMetLocked(ctx, *key)) return ctx.message(403, "tags restriction not met");
    material = key->material;
    mechanisms = key->mechanisms;
  }
  const auto& in = (*body)[spec.inputField];
  auto input = in.is_string() ? base64Decode(in.get<std::string>()) : std::nullopt;
  std::optional<Bytes> iv;
  if (body->contains("iv")) {
    iv = (*body)["iv"].is_string() ? base64Decode((*body)["iv"].get<std::string>()) : std::nullopt;
    if (!iv) return ctx.message(400, "Invalid base64 in iv.");
  }
  if (!input) return ctx.message(400, "Invalid base64 input.");
  std::string mode = body->value("mode", "");
  std::string mech = mechanismFor(spec, mode);
  if (mech.empty()) return ctx.message(400, "Invalid mode.");
  if (std::find(mechanisms.begin(), mechanisms.end(), mech) == mechanisms.end()) {
    return ctx.message(400, spec.deniedText);
  }
  OpResult r;
  if (spec.op == Op::kSign) {
    r = signData(*material, mode, *input, ctx.fw().pkcs1AddsDigestInfo());
  } else if (spec.op == Op::kDecrypt) {
    r = decryptData(*material, mode, *input, iv);
  } else {
    r = encryptData(*material, mode, *input, iv);
  }
  if (!r.ok) return ctx.message(400, r.message);
  {
    std::lock_guard<std::mutex> lock(ctx.store().mutex());
    auto& keys = callerKeysLocked(ctx);
    auto it = keys.find(ctx.params[0]);
    if (it != keys.end()) it->second.operations++;
  }
  auto& metric = spec.op == Op::kSign      ? ctx.core.signs
                 : spec.op == Op::kDecrypt ? ctx.core.decrypts
                                           : ctx.core.encrypts;
  metric++;
  nlohmann::json out{{spec.outputField, base64Encode(r.output)}};
  if (spec.op == Op::kEncrypt) out["iv"] = base64Encode(r.iv);
  ctx.res.set_header("Cache-Control", "no-cache");
  ctx.json(200, out);
}

void random(Ctx& ctx) {
  auto body = ctx.jsonBody({"length"});
  if (!body) return;
  const auto& len = (*body)["length"];
  if (!len.is_number_integer() || len.get<int64_t>() < 1 || len.get<int64_t>() > 1024) {
    return ctx.message(400, "length must be between 1 and 1024");
  }
  ctx.res.set_header("Cache-Control", "no-cache");
  ctx.json(200, {{"random", base64Encode(randomBytes(len.get<size_t>()))}});
}

}  // namespace

void addCryptoRoutes(Router& r) {
  const std::vector<std::string> json{"application/json"};
  constexpr size_t kCryptoBody = 67u << 20;  // 67 MiB on sign/decrypt/encrypt
  r.add({"POST", "/keys/{id}/sign", kOperational, Access::kOperator,
         [](Ctx& ctx) { runOperation(ctx, kSign); }, Produces::kJson, json, false, kCryptoBody});
  r.add({"POST", "/keys/{id}/decrypt", kOperational, Access::kOperator,
         [](Ctx& ctx) { runOperation(ctx, kDecrypt); }, Produces::kJson, json, false, kCryptoBody});
  r.add({"POST", "/keys/{id}/encrypt", kOperational, Access::kOperator,
         [](Ctx& ctx) { runOperation(ctx, kEncrypt); }, Produces::kJson, json, false, kCryptoBody});
  r.add({"POST", "/random", kOperational, Access::kOperator, random});
}

}  // namespace p11nethsm::mock
