// NetHSM client: reads, crypto and users (nethsm-api-v4.0.yaml; BEHAVIOUR.md §2–§8).
#include "nethsm/client.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "nethsm/client_impl.hpp"
#include "nethsm/json_codec.hpp"
#include "nethsm/response_caps.hpp"

namespace p11nethsm::nethsm {

namespace codec = json_codec;
using transport::Idempotency;
using transport::Method;
using transport::Request;
using transport::Response;

namespace {

// Re-query /system/info at most this often while the version is unknown.
constexpr std::chrono::seconds kFirmwareQueryInterval{60};
constexpr size_t kRandomChunk = 1024;  // POST /random accepts 1..1024 (§8)

Request makeRequest(Method method, std::string path, std::string body = {},
                    const char* contentType = nullptr) {
  Request r;
  r.method = method;
  r.path = std::move(path);
  r.body = std::move(body);
  if (contentType != nullptr) r.contentType = contentType;
  return r;
}

std::string_view roleName(Role role) {
  return role == Role::kOperator ? "Operator" : "Administrator";
}

// A request on key `id`; fails without I/O when `id` is not a key ID.
Result<Request> keyRequest(Method method, const std::string& id, const char* suffix,
                           std::string body = {}, const char* contentType = nullptr) {
  auto path = keyPath(id, suffix);
  if (!path) return path.error();
  return makeRequest(method, std::move(*path), std::move(body), contentType);
}

}  // namespace

// Valid IDs hold only unreserved characters: escaping would change nothing.
Result<std::string> keyPath(const std::string& id, const char* suffix) {
  if (!isValidKeyId(id)) {
    return makeError(ErrorKind::kInvalidArgument,
                     "'" + printableExcerpt(id) + "' is not a NetHSM key ID");
  }
  return "/keys/" + id + suffix;
}

Result<std::optional<transport::BasicAuth>> Client::Impl::authFor(Access access) const {
  switch (access) {
    case Access::kPublic:
      return std::optional<transport::BasicAuth>();
    case Access::kRead:
      if (auto op = credentials.credentialsFor(Role::kOperator)) return op;
      if (auto admin = credentials.credentialsFor(Role::kAdministrator)) return admin;
      return makeError(ErrorKind::kNoCredentials, "no Operator or Administrator credentials");
    case Access::kAdministrator:
      if (auto admin = credentials.credentialsFor(Role::kAdministrator)) return admin;
      return makeError(ErrorKind::kNoCredentials, "no Administrator credentials for this call");
    case Access::kOperator:
      if (auto op = credentials.credentialsFor(Role::kOperator)) return op;
      return makeError(ErrorKind::kNoCredentials, "no Operator credentials for this call");
  }
  return makeError(ErrorKind::kInternal, "unknown access");
}

Result<Response> Client::Impl::call(Access access, Request request, std::initializer_list<long> ok,
                                    std::string_view operation) {
  auto auth = authFor(access);
  if (!auth) return auth.error();
  request.auth = std::move(*auth);
  if (request.maxResponseBytes == 0) request.maxResponseBytes = answerCap(operation);
  auto outcome = send(request);
  if (outcome && std::find(ok.begin(), ok.end(), outcome->status) != ok.end()) return outcome;
  return mapFailure(outcome, operation);
}

Result<Response> Client::Impl::send(Request& request) {
  request.retryLater = throttleRetry;
  return cluster.send(request);
}

Result<bool> Client::Impl::keyExists(const std::string& id) {
  auto request = keyRequest(Method::kGet, id, "");
  if (!request) return request.error();
  auto r = call(Access::kRead, std::move(*request), {200, 404}, "GET /keys/{id}");
  if (!r) return r.error();
  return r->status == 200;
}

namespace {
constexpr uint64_t kFirmwareKnown = uint64_t{1} << 63;
}  // namespace

std::optional<Capabilities> Client::Impl::knownCapabilities() const {
  const uint64_t packed = learnedFirmware.load();
  if (packed == 0) return std::nullopt;
  return capabilitiesOf(FirmwareVersion{static_cast<int>((packed >> 32) & 0x7fffffff),
                                        static_cast<int>(packed & 0xffffffff)});
}

void Client::Impl::learnFirmware(FirmwareVersion v) {
  learnedFirmware.store(kFirmwareKnown |
                        (uint64_t{static_cast<uint32_t>(v.major) & 0x7fffffff} << 32) |
                        static_cast<uint32_t>(v.minor));
}

Client::Client(transport::Cluster& cluster, const CredentialSource& credentials)
    : impl_(std::make_shared<Impl>(cluster, credentials)) {}

Result<VendorInfo> Client::info() {
  auto r = impl_->call(Access::kPublic, makeRequest(Method::kGet, "/info"), {200}, "GET /info");
  if (!r) return r.error();
  return codec::parseVendorInfo(r->body);
}

Result<std::string> Client::healthState() {
  auto r = impl_->call(Access::kPublic, makeRequest(Method::kGet, "/health/state"), {200},
                       "GET /health/state");
  if (!r) return r.error();
  return codec::parseStringField(r->body, "state");
}

Result<SystemInfo> Client::systemInfo() {
  auto r = impl_->call(Access::kAdministrator, makeRequest(Method::kGet, "/system/info"), {200},
                       "GET /system/info");
  if (!r) return r.error();
  auto info = codec::parseSystemInfo(r->body);
  if (info) {
    if (auto v = parseFirmwareVersion(info->softwareVersion)) impl_->learnFirmware(*v);
  }
  return info;
}

// GET /users/{id} is allowed to an Administrator and to an Operator reading itself
// (§2), so it checks the password without side effects; the role is compared here.
Status Client::verifyLogin(Role role, const transport::BasicAuth& auth) {
  Request request =
      makeRequest(Method::kGet, "/users/" + transport::escapePathSegment(auth.username));
  request.auth = auth;
  request.maxResponseBytes = answerCap("GET /users/{id}");
  auto outcome = impl_->send(request);
  if (!outcome || outcome->status != 200) return mapFailure(outcome, "GET /users/{id}");
  auto actual = codec::parseStringField(outcome->body, "role");
  if (!actual) return actual.error();
  if (*actual != roleName(role)) {
    return makeError(ErrorKind::kForbidden, "user " + auth.username + " has role " + *actual +
                                                ", not " + std::string(roleName(role)));
  }
  return okStatus();
}

Status Client::changePassphrase(const transport::BasicAuth& auth, const std::string& userId,
                                const SecretString& newPassphrase) {
  auto body = codec::passphraseBody(newPassphrase);
  if (!body) return body.error();
  Request request =
      makeRequest(Method::kPost, "/users/" + transport::escapePathSegment(userId) + "/passphrase",
                  std::move(*body), kJson);
  request.auth = auth;
  // Not repeated: after a lost answer the old passphrase may no longer be valid.
  request.idempotency = Idempotency::kUnsafe;
  request.maxResponseBytes = answerCap("POST /users/{id}/passphrase");
  auto outcome = impl_->send(request);
  OPENSSL_cleanse(request.body.data(), request.body.size());
  if (!outcome || outcome->status != 204) return mapFailure(outcome, "POST /users/{id}/passphrase");
  return okStatus();
}

Result<std::vector<std::string>> Client::listKeys() {
  auto r = impl_->call(Access::kRead, makeRequest(Method::kGet, "/keys"), {200}, "GET /keys");
  if (!r) return r.error();
  return codec::parseKeyList(r->body);
}

Result<std::vector<std::string>> Client::listKeysByLabel(const std::string& label) {
  if (!capabilities().keyLabels) {
    return makeError(ErrorKind::kUnsupported, "key labels need NetHSM firmware 5.0");
  }
  auto r =
      impl_->call(Access::kRead,
                  makeRequest(Method::kGet, "/keys?label=" + transport::escapePathSegment(label)),
                  {200}, "GET /keys?label=");
  if (!r) return r.error();
  return codec::parseKeyList(r->body);
}

Result<KeyInfo> Client::getKey(const std::string& id) {
  auto request = keyRequest(Method::kGet, id, "");
  if (!request) return request.error();
  auto r = impl_->call(Access::kRead, std::move(*request), {200}, "GET /keys/{id}");
  if (!r) return r.error();
  auto info = codec::parseKeyInfo(r->body, id);
  // Learnt from answers: only firmware with key labels shows them.
  if (info && info->label && !impl_->knownCapabilities()) {
    impl_->learnFirmware(firmwareShowingLabels());
  }
  return info;
}

Result<std::string> Client::publicKeyPem(const std::string& id) {
  auto request = keyRequest(Method::kGet, id, "/public.pem");
  if (!request) return request.error();
  request->accept = "application/x-pem-file";
  auto r = impl_->call(Access::kRead, std::move(*request), {200}, "GET /keys/{id}/public.pem");
  if (!r) return r.error();
  return std::move(r->body);
}

Result<std::optional<Bytes>> Client::getCertificate(const std::string& id) {
  auto request = keyRequest(Method::kGet, id, "/cert");
  if (!request) return request.error();
  request->accept = "application/octet-stream";  // the only type /cert offers (§5)
  auto r = impl_->call(Access::kRead, std::move(*request), {200, 404}, "GET /keys/{id}/cert");
  if (!r) return r.error();
  if (r->status == 404) return std::optional<Bytes>();
  return std::optional<Bytes>(toBytes(r->body));
}

Result<Bytes> Client::sign(const std::string& id, SignMode mode, const Bytes& message) {
  auto request = keyRequest(Method::kPost, id, "/sign", codec::signBody(mode, message), kJson);
  if (!request) return request.error();
  auto r = impl_->call(Access::kOperator, std::move(*request), {200}, "POST /keys/{id}/sign");
  if (!r) return r.error();
  return codec::parseBase64Field(r->body, "signature");
}

// The output is checked against the input (BEHAVIOUR.md §6): AES-CBC gives exactly
// as many bytes, an RSA mode never more than the modulus-long ciphertext.
Result<Bytes> Client::decrypt(const std::string& id, DecryptMode mode, const Bytes& data,
                              const std::optional<Bytes>& iv) {
  auto request =
      keyRequest(Method::kPost, id, "/decrypt", codec::decryptBody(mode, data, iv), kJson);
  if (!request) return request.error();
  request->maxResponseBytes = cryptAnswerCap(data.size());
  auto r = impl_->call(Access::kOperator, std::move(*request), {200}, "POST /keys/{id}/decrypt");
  if (!r) return r.error();
  auto plain = codec::parseBase64Field(r->body, "decrypted");
  OPENSSL_cleanse(r->body.data(), r->body.size());  // the answer holds the plaintext
  if (plain &&
      (mode == DecryptMode::kAesCbc ? plain->size() != data.size() : plain->size() > data.size())) {
    OPENSSL_cleanse(plain->data(), plain->size());
    return makeError(ErrorKind::kMalformedResponse,
                     "POST /keys/{id}/decrypt returned " + std::to_string(plain->size()) +
                         " bytes for " + std::to_string(data.size()));
  }
  return plain;
}

Result<EncryptResult> Client::encryptAesCbc(const std::string& id, const Bytes& message,
                                            const std::optional<Bytes>& iv) {
  auto request = keyRequest(Method::kPost, id, "/encrypt", codec::encryptBody(message, iv), kJson);
  if (!request) return request.error();
  request->maxResponseBytes = cryptAnswerCap(message.size());
  auto r = impl_->call(Access::kOperator, std::move(*request), {200}, "POST /keys/{id}/encrypt");
  if (!r) return r.error();
  auto result = codec::parseEncryptResult(r->body);
  if (result && (result->encrypted.size() != message.size() || result->iv.size() != 16 ||
                 (iv && result->iv != *iv))) {
    return makeError(ErrorKind::kMalformedResponse,
                     "POST /keys/{id}/encrypt returned a ciphertext or IV of the wrong size");
  }
  return result;
}

Result<Bytes> Client::random(size_t length) {
  Bytes out;
  out.reserve(length);
  while (out.size() < length) {
    const size_t chunk = std::min(kRandomChunk, length - out.size());
    auto r = impl_->call(Access::kOperator,
                         makeRequest(Method::kPost, "/random", codec::randomBody(chunk), kJson),
                         {200}, "POST /random");
    if (!r) return r.error();
    auto bytes = codec::parseBase64Field(r->body, "random");
    if (!bytes) return bytes.error();
    if (bytes->size() != chunk) {
      return makeError(ErrorKind::kMalformedResponse, "POST /random returned a wrong length");
    }
    out.insert(out.end(), bytes->begin(), bytes->end());
  }
  return out;
}

Capabilities Client::capabilities() {
  if (auto known = impl_->knownCapabilities()) return *known;
  {
    std::lock_guard lock(impl_->mutex);
    const auto now = std::chrono::steady_clock::now();
    if (impl_->lastFirmwareQuery && now - *impl_->lastFirmwareQuery < kFirmwareQueryInterval) {
      return assumedCapabilities();
    }
    impl_->lastFirmwareQuery = now;
  }
  // /system/info is Administrator-only (§2); without those credentials: assumed.
  if (impl_->credentials.credentialsFor(Role::kAdministrator)) (void)systemInfo();
  return impl_->knownCapabilities().value_or(assumedCapabilities());
}

void Client::setFirmwareVersion(FirmwareVersion v) { impl_->learnFirmware(v); }

}  // namespace p11nethsm::nethsm
