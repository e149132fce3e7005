#include "transport/exchange.hpp"

#include <algorithm>
#include <memory>

#include "log/log.hpp"

namespace p11nethsm::transport {

namespace {

// Larger than any NetHSM answer (sign/decrypt bodies are ≤ 67 MiB, BEHAVIOUR.md §1).
constexpr size_t kMaxResponseBytes = size_t{128} << 20;

size_t appendBody(char* data, size_t size, size_t count, void* userp) {
  auto* body = static_cast<std::string*>(userp);
  const size_t n = size * count;
  if (body->size() + n > kMaxResponseBytes) return 0;  // CURLE_WRITE_ERROR
  body->append(data, n);
  return n;
}

int checkAbort(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(clientp);
  return abort != nullptr && abort->load() ? 1 : 0;
}

std::string headerValue(CURL* handle, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
      header == nullptr || header->value == nullptr) {
    return {};
  }
  return header->value;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

HeaderList buildHeaders(const Request& request) {
  curl_slist* list = curl_slist_append(nullptr, "Expect:");  // no 100-continue round trip
  if (!request.contentType.empty()) {
    list = curl_slist_append(list, ("Content-Type: " + request.contentType).c_str());
  } else {
    list = curl_slist_append(list, "Content-Type:");  // drop curl's form default
  }
  if (!request.accept.empty()) {
    list = curl_slist_append(list, ("Accept: " + request.accept).c_str());
  }
  return HeaderList(list);
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
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
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
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
}

void setLimits(CURL* h, const ExchangeLimits& limits) {
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, limits.totalTimeoutMs);
  long connectMs = limits.connectTimeoutMs;
  if (limits.totalTimeoutMs > 0 && (connectMs == 0 || connectMs > limits.totalTimeoutMs)) {
    connectMs = limits.totalTimeoutMs;
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connectMs);
  if (limits.abort != nullptr) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &checkAbort);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(limits.abort));
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
}

}  // namespace

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
  const std::string url = baseUrl + request.path;
  std::string body;
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  HeaderList headers = buildHeaders(request);

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  setMethod(h, request);
  setCredentials(h, request);
  setLimits(h, limits);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &appendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  // A request that must not be repeated gets a fresh connection: on a reused one,
  // libcurl silently re-sends a request whose connection closed before any answer
  // byte — which would generate a key twice after a commit-then-drop.
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, request.idempotency == Idempotency::kUnsafe ? 1L : 0L);

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) {
    Response response;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    const char* contentType = nullptr;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &contentType);
    if (contentType != nullptr) response.contentType = contentType;
    response.location = headerValue(h, "Location");
    response.etag = headerValue(h, "ETag");
    response.body = std::move(body);
    outcome.result = std::move(response);
  } else {
    long requestBytes = 0;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &requestBytes);
    // A timeout before any header byte was written (connect or TLS handshake) is
    // as safe to repeat as a refused connection.
    outcome.neverSent =
        failsBeforeSending(code) || (code == CURLE_OPERATION_TIMEDOUT && requestBytes == 0);
    std::string message = baseUrl + ": " + curl_easy_strerror(code);
    if (errorBuffer[0] != '\0') message += std::string(" (") + errorBuffer + ")";
    outcome.result = makeError(ErrorKind::kTransport, message);
  }
  clearRequestState(h);
  return outcome;
}

std::string escapePathSegment(const std::string& segment) {
  // RFC 3986 §2.3 unreserved characters stay as they are: NetHSM IDs (the common case)
  // need no curl_easy_escape allocation on every request.
  const bool unreserved = std::all_of(segment.begin(), segment.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
  });
  if (unreserved) return segment;
  char* escaped = curl_easy_escape(nullptr, segment.data(), static_cast<int>(segment.size()));
  if (escaped == nullptr) return {};
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

}  // namespace p11nethsm::transport
