#include "transport/handle_state.hpp"

namespace p11nethsm::transport {

namespace {

std::string urlPart(CURLU* url, CURLUPart part) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, 0) != CURLUE_OK || text == nullptr) return {};
  std::string out = text;
  curl_free(text);
  return out;
}

// The request headers for this pair: "Expect:" (no 100-continue round trip), the
// Content-Type (or none: curl's form default dropped) and Accept when given.
curl_slist* buildHeaderList(const std::string& contentType, const std::string& accept) {
  curl_slist* list = curl_slist_append(nullptr, "Expect:");
  list = curl_slist_append(
      list, contentType.empty() ? "Content-Type:" : ("Content-Type: " + contentType).c_str());
  if (!accept.empty()) list = curl_slist_append(list, ("Accept: " + accept).c_str());
  return list;
}

}  // namespace

Result<std::unique_ptr<HandleState>> HandleState::create(const std::string& baseUrl) {
  CURLU* url = curl_url();
  if (url == nullptr) return makeError(ErrorKind::kInternal, "cannot create a curl URL handle");
  const CURLUcode parsed = curl_url_set(url, CURLUPART_URL, baseUrl.c_str(), 0);
  if (parsed != CURLUE_OK) {
    curl_url_cleanup(url);
    return makeError(ErrorKind::kInternal,
                     baseUrl + ": not a URL libcurl accepts (" + curl_url_strerror(parsed) + ")");
  }
  std::string basePath = urlPart(url, CURLUPART_PATH);
  while (!basePath.empty() && basePath.back() == '/') basePath.pop_back();
  return std::unique_ptr<HandleState>(new HandleState(url, std::move(basePath)));
}

HandleState::~HandleState() {
  for (const HeaderSet& set : headerSets_) curl_slist_free_all(set.list);
  curl_url_cleanup(url_);
}

HandleState* HandleState::of(CURL* handle) {
  char* state = nullptr;
  curl_easy_getinfo(handle, CURLINFO_PRIVATE, &state);
  return reinterpret_cast<HandleState*>(state);
}

void HandleState::attach(CURL* handle, std::unique_ptr<HandleState> state) {
  curl_easy_setopt(handle, CURLOPT_CURLU, state->url_);
  curl_easy_setopt(handle, CURLOPT_PRIVATE, state.release());  // destroyHandle deletes it
}

Status HandleState::target(const std::string& pathAndQuery) {
  const size_t question = pathAndQuery.find('?');
  scratch_.assign(basePath_);
  scratch_.append(pathAndQuery, 0, question);
  CURLUcode rc = curl_url_set(url_, CURLUPART_PATH, scratch_.c_str(), 0);
  if (rc == CURLUE_OK) {
    rc = curl_url_set(url_, CURLUPART_QUERY,
                      question == std::string::npos ? nullptr : pathAndQuery.c_str() + question + 1,
                      0);
  }
  if (rc != CURLUE_OK) {
    return makeError(ErrorKind::kInternal, "request path refused by libcurl (" +
                                               std::string(curl_url_strerror(rc)) + ")");
  }
  return okStatus();
}

std::string HandleState::url() const { return urlPart(url_, CURLUPART_URL); }

curl_slist* HandleState::headers(const std::string& contentType, const std::string& accept) {
  for (const HeaderSet& set : headerSets_) {
    if (set.contentType == contentType && set.accept == accept) return set.list;
  }
  headerSets_.push_back({contentType, accept, buildHeaderList(contentType, accept)});
  return headerSets_.back().list;
}

void destroyHandle(CURL* handle) {
  HandleState* state = HandleState::of(handle);
  curl_easy_cleanup(handle);
  delete state;
}

}  // namespace p11nethsm::transport
