#include "transport/exchange.hpp"

#include <openssl/crypto.h>
#include <poll.h>

#include <algorithm>
#include <memory>

#include "log/log.hpp"
#include "transport/handle_state.hpp"
#include "transport/process_guard.hpp"

namespace p11nethsm::transport {

namespace {

// The answer's body, cut off at the request's cap: returning 0 from the write
// callback aborts the transfer (CURLE_WRITE_ERROR) before more is read, so a huge
// answer costs at most the cap plus one of curl's 16 KiB buffers.
struct BodySink {
  std::string body;
  size_t cap = kDefaultMaxResponseBytes;
  bool overflow = false;
};

size_t appendBody(char* data, size_t size, size_t count, void* userp) {
  auto* sink = static_cast<BodySink*>(userp);
  const size_t n = size * count;
  if (sink == nullptr) return 0;  // no exchange under way (WRITEDATA is cleared after each)
  if (sink->body.size() + n > sink->cap) {
    sink->overflow = true;
    return 0;
  }
  sink->body.append(data, n);
  return n;
}

// A kept-alive HTTP/1.x connection must be silent between requests: readable means
// bytes nobody asked for (a second, unasked answer that would be taken for the next
// request's), or the peer's close. Either way it is not reused (issue 12 §2). HTTP/2
// frames name their stream, and a server may send PING or SETTINGS at any time.
bool connectionHasUnreadBytes(CURL* h) {
  long version = 0;
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  if (version >= CURL_HTTP_VERSION_2_0) return false;
  curl_socket_t sock = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD)
    return false;
  pollfd p{sock, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

long requestBytesSent(CURL* h) {
  long bytes = 0;
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &bytes);
  return bytes;
}

// curl results that mean "the appliance answered something that is not HTTP". A
// status line that is no HTTP/1.x comes back as UNSUPPORTED_PROTOCOL ("Received
// HTTP/0.9"), after the request was written.
bool answeredGarbage(CURL* h, CURLcode code) {
  return code == CURLE_WEIRD_SERVER_REPLY || code == CURLE_BAD_CONTENT_ENCODING ||
         (code == CURLE_UNSUPPORTED_PROTOCOL && requestBytesSent(h) > 0);
}

// Also ends every transfer when the host exits or unloads the module (process_guard.hpp).
int checkAbort(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(clientp);
  return transfersAborted() || (abort != nullptr && abort->load()) ? 1 : 0;
}

std::string headerValue(CURL* handle, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
      header == nullptr || header->value == nullptr) {
    return {};
  }
  return header->value;
}

void setMethod(CURL* h, const Request& request) {
  switch (request.method) {
    case Method::kGet:
    case Method::kDelete:
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
                       request.method == Method::kDelete ? "DELETE" : nullptr);
      break;
    case Method::kPost:
    case Method::kPut:
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method == Method::kPut ? "PUT" : nullptr);
      break;
  }
}

// Credentials are set for this exchange only and cleared right after it, so a
// pooled handle never carries a password between requests.
void setCredentials(CURL* h, const Request& request) {
  if (request.auth) {
    curl_easy_setopt(h, CURLOPT_USERNAME, request.auth->username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.auth->password.reveal().c_str());
  } else {
    curl_easy_setopt(h, CURLOPT_USERNAME, nullptr);
    curl_easy_setopt(h, CURLOPT_PASSWORD, nullptr);
  }
}

void clearRequestState(CURL* h) {
  curl_easy_setopt(h, CURLOPT_USERNAME, nullptr);
  curl_easy_setopt(h, CURLOPT_PASSWORD, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, nullptr);
}

void setLimits(CURL* h, const ExchangeLimits& limits) {
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, limits.totalTimeoutMs);
  long connectMs = limits.connectTimeoutMs;
  if (limits.totalTimeoutMs > 0 && (connectMs == 0 || connectMs > limits.totalTimeoutMs)) {
    connectMs = limits.totalTimeoutMs;
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connectMs);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(limits.abort));
}

Response responseOf(CURL* h, std::string body) {
  Response response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  const char* contentType = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &contentType);
  if (contentType != nullptr) response.contentType = contentType;
  if (answerMayCarryRetryAfter(response.status)) {
    response.retryAfter = headerValue(h, "Retry-After");
  }
  response.body = std::move(body);
  return response;
}

// A failed perform: an answer we refuse (over the cap, not HTTP) is
// kMalformedResponse; anything else is a transport failure, `neverSent` when no
// request byte can have left.
void classifyFailure(CURL* h, CURLcode code, const BodySink& sink, const std::string& where,
                     const char* errorBuffer, ExchangeOutcome& outcome) {
  if (sink.overflow || answeredGarbage(h, code)) {
    outcome.badAnswer = true;
    outcome.result = makeError(
        ErrorKind::kMalformedResponse,
        where + (sink.overflow
                     ? ": answer larger than " + std::to_string(sink.cap) + " bytes; cut off"
                     : std::string(": not an HTTP answer (") + curl_easy_strerror(code) + ")"));
    return;
  }
  // A timeout before any header byte was written (connect or TLS handshake) is
  // as safe to repeat as a refused connection.
  outcome.neverSent =
      failsBeforeSending(code) || (code == CURLE_OPERATION_TIMEDOUT && requestBytesSent(h) == 0);
  std::string message = where + ": " + curl_easy_strerror(code);
  if (errorBuffer[0] != '\0') message += std::string(" (") + errorBuffer + ")";
  outcome.result = makeError(ErrorKind::kTransport, message);
}

}  // namespace

void setExchangeOptions(CURL* h) {
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &appendBody);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &checkAbort);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
}

bool failsBeforeSending(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

ExchangeOutcome performExchange(CURL* h, const std::string& baseUrl, const Request& request,
                                const ExchangeLimits& limits) {
  ExchangeOutcome outcome;
  if (transfersAborted()) {  // the host is exiting: nothing new leaves
    outcome.result = makeError(ErrorKind::kTransport, baseUrl + ": aborted, the host is exiting");
    return outcome;
  }
  BodySink sink;
  if (request.maxResponseBytes != 0) sink.cap = request.maxResponseBytes;
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  // Every handle comes from a HandlePool, which attached its kept state (handle_state.hpp).
  HandleState* state = HandleState::of(h);
  if (state == nullptr) {
    outcome.result = makeError(ErrorKind::kInternal, baseUrl + ": curl handle without its state");
    outcome.neverSent = true;
    return outcome;
  }
  if (Status targeted = state->target(request.path); !targeted.ok()) {
    outcome.result = makeError(targeted.error().kind, baseUrl + ": " + targeted.error().message);
    outcome.neverSent = true;
    return outcome;
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, state->headers(request.contentType, request.accept));
  setMethod(h, request);
  setCredentials(h, request);
  setLimits(h, limits);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  // A request that must not be repeated gets a fresh connection: on a reused one,
  // libcurl silently re-sends a request whose connection closed before any answer
  // byte — which would generate a key twice after a commit-then-drop.
  bool fresh = request.idempotency == Idempotency::kUnsafe;
  if (!fresh && connectionHasUnreadBytes(h)) {
    log::debug(baseUrl + ": kept-alive connection has unread bytes or was closed; not reused");
    fresh = true;
  }
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) {
    outcome.result = responseOf(h, std::move(sink.body));
  } else {
    classifyFailure(h, code, sink, baseUrl + request.path.substr(0, request.path.find('?')),
                    errorBuffer, outcome);
  }
  if (code != CURLE_OK) OPENSSL_cleanse(sink.body.data(), sink.body.size());  // may be plaintext
  clearRequestState(h);
  return outcome;
}

std::string escapePathSegment(const std::string& segment) {
  // RFC 3986 §2.3 unreserved characters stay as they are: NetHSM IDs (the common case)
  // need no curl_easy_escape allocation on every request.
  const bool unreserved = std::all_of(segment.begin(), segment.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
  });
  if (unreserved) return segment;
  char* escaped = curl_easy_escape(nullptr, segment.data(), static_cast<int>(segment.size()));
  if (escaped == nullptr) return {};
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

}  // namespace p11nethsm::transport
