// Key and certificate changes (Administrator, BEHAVIOUR.md §5). None of them is
// repeated blindly: a key generation whose answer was lost may have committed the
// key, and sending it again would create a duplicate (competitor.md §3). So the
// client picks the key ID itself and, after an ambiguous failure, looks whether the
// change took effect before sending it again (issue 4 §4).
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "log/log.hpp"
#include "nethsm/client_impl.hpp"
#include "nethsm/json_codec.hpp"
#include "nethsm/response_caps.hpp"

namespace p11nethsm::nethsm {

namespace codec = json_codec;
using transport::Idempotency;
using transport::Method;
using transport::Request;

namespace {

// Like the firmware's own IDs: 20 lowercase hex characters (10 random bytes), valid
// on every firmware (alphanumeric only before 3.0), so no capability decides it.
Result<std::string> idOrRandom(const std::string& given) {
  if (!given.empty()) return given;
  unsigned char bytes[10];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return makeError(ErrorKind::kInternal, "OpenSSL RAND_bytes failed");
  }
  return hexEncode(bytes, sizeof(bytes));
}

Request unsafeRequest(Method method, std::string path, std::string body, const char* contentType) {
  Request r;
  r.method = method;
  r.path = std::move(path);
  r.body = std::move(body);
  if (contentType != nullptr) r.contentType = contentType;
  r.idempotency = Idempotency::kUnsafe;
  return r;
}

// The same on key `id`; fails without I/O when `id` is not a key ID.
Result<Request> unsafeKeyRequest(Method method, const std::string& id, const char* suffix,
                                 std::string body, const char* contentType) {
  auto path = keyPath(id, suffix);
  if (!path) return path.error();
  return unsafeRequest(method, std::move(*path), std::move(body), contentType);
}

}  // namespace

// No loop here: the cluster's retry loop (transport/retry_loop.cpp) asks `isDone`
// after an ambiguous failure and sends again only when the change did not happen,
// within the one budget of the request (docs/transport.md "Worst-case time").
Status Client::Impl::sendChecked(Access access, Request request, std::initializer_list<long> ok,
                                 std::string_view operation,
                                 const std::function<Result<bool>()>& isDone) {
  auto auth = authFor(access);
  if (!auth) return auth.error();
  request.auth = std::move(*auth);
  request.maxResponseBytes = answerCap(operation);
  request.tookEffect = isDone;
  auto outcome = send(request);
  if (outcome &&
      (outcome->confirmed || std::find(ok.begin(), ok.end(), outcome->status) != ok.end()))
    return okStatus();
  return mapFailure(outcome, operation);
}

Result<std::string> Client::generateKey(const GenerateKeyRequest& request) {
  auto id = idOrRandom(request.id);
  if (!id) return id;
  const bool withLabel = request.label && capabilities().keyLabels;
  auto body = codec::generateKeyBody(request, *id, withLabel);
  if (!body) return body.error();
  Status st =
      impl_->sendChecked(Access::kAdministrator,
                         unsafeRequest(Method::kPost, "/keys/generate", std::move(*body), kJson),
                         {201}, "POST /keys/generate", [&] { return impl_->keyExists(*id); });
  if (!st) return st.error();
  return id;
}

// PUT /keys/{id} with a client-chosen ID rather than POST /keys, so that a lost
// answer can be checked with GET /keys/{id}.
Result<std::string> Client::importKey(const ImportKeyRequest& request) {
  auto id = idOrRandom(request.id);
  if (!id) return id;
  auto path = keyPath(*id);
  if (!path) return path.error();
  const bool withLabel = request.label && capabilities().keyLabels;
  auto body = codec::importKeyBody(request, withLabel);
  if (!body) return body.error();
  Request http = unsafeRequest(Method::kPut, std::move(*path), std::move(*body), kJson);
  Status st = impl_->sendChecked(Access::kAdministrator, http, {204}, "PUT /keys/{id}",
                                 [&] { return impl_->keyExists(*id); });
  OPENSSL_cleanse(http.body.data(), http.body.size());  // private key material
  if (!st) return st.error();
  return id;
}

Status Client::deleteKey(const std::string& id) {
  auto request = unsafeKeyRequest(Method::kDelete, id, "", {}, nullptr);
  if (!request) return request.error();
  return impl_->sendChecked(Access::kAdministrator, std::move(*request), {204}, "DELETE /keys/{id}",
                            [&]() -> Result<bool> {
                              auto exists = impl_->keyExists(id);
                              if (!exists) return exists.error();
                              return !*exists;
                            });
}

Status Client::moveKey(const std::string& id, const std::string& newId) {
  if (!capabilities().keyMove) {
    return makeError(ErrorKind::kUnsupported, "renaming keys needs NetHSM firmware 3.0");
  }
  auto body = codec::moveBody(newId);
  if (!body) return body.error();
  auto request = unsafeKeyRequest(Method::kPost, id, "/move", std::move(*body), kJson);
  if (!request) return request.error();
  return impl_->sendChecked(Access::kAdministrator, std::move(*request), {200},
                            "POST /keys/{id}/move", [&]() -> Result<bool> {
                              auto target = impl_->keyExists(newId);
                              if (!target || !*target) return target;
                              auto source = impl_->keyExists(id);
                              if (!source) return source.error();
                              return !*source;
                            });
}

Status Client::setLabel(const std::string& id, const std::string& label) {
  if (!capabilities().keyLabels) {
    return makeError(ErrorKind::kUnsupported, "key labels need NetHSM firmware 5.0");
  }
  auto body = codec::labelBody(label);
  if (!body) return body.error();
  auto request = unsafeKeyRequest(Method::kPut, id, "/label", std::move(*body), kJson);
  if (!request) return request.error();
  request->idempotency = Idempotency::kSafe;  // setting the same label again is harmless
  auto r =
      impl_->call(Access::kAdministrator, std::move(*request), {204, 304}, "PUT /keys/{id}/label");
  if (!r) return r.error();
  return okStatus();
}

Status Client::putCertificate(const std::string& id, const Bytes& certificate) {
  // /cert takes only application/octet-stream (BEHAVIOUR.md §5).
  auto request = unsafeKeyRequest(Method::kPut, id, "/cert", p11nethsm::toString(certificate),
                                  "application/octet-stream");
  if (!request) return request.error();
  return impl_->sendChecked(Access::kAdministrator, std::move(*request), {201},
                            "PUT /keys/{id}/cert", [&]() -> Result<bool> {
                              auto stored = getCertificate(id);
                              if (!stored) return stored.error();
                              return stored->has_value() && **stored == certificate;
                            });
}

Status Client::deleteCertificate(const std::string& id) {
  auto request = unsafeKeyRequest(Method::kDelete, id, "/cert", {}, nullptr);
  if (!request) return request.error();
  return impl_->sendChecked(Access::kAdministrator, std::move(*request), {204},
                            "DELETE /keys/{id}/cert", [&]() -> Result<bool> {
                              auto stored = getCertificate(id);
                              if (!stored) return stored.error();
                              return !stored->has_value();
                            });
}

}  // namespace p11nethsm::nethsm
