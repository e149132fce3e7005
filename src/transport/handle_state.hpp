#pragma once
// What a pooled curl handle keeps from one request to the next (issue 11 §2), attached
// to it as CURLOPT_PRIVATE and freed with it (destroyHandle):
// - the instance's base URL, parsed once (CURLOPT_CURLU): otherwise libcurl parses the
//   whole URL again on every request; only the path and query change per request;
// - the header lists built so far, one per (Content-Type, Accept) pair: an endpoint
//   always sends the same ones, so they are built once per handle, not per request.
// Nothing here is a static: it lives exactly as long as its handle, which exit() never
// destroys while another thread uses it (the HostExit tests).
#include <curl/curl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace p11nethsm::transport {

class HandleState {
 public:
  // Parses `baseUrl` (e.g. https://host:8443/api/v1); fails on a URL libcurl refuses.
  static Result<std::unique_ptr<HandleState>> create(const std::string& baseUrl);
  ~HandleState();
  HandleState(const HandleState&) = delete;
  HandleState& operator=(const HandleState&) = delete;

  // The state attached to `handle` by attach(), or nullptr (a handle not from a pool).
  static HandleState* of(CURL* handle);
  // Hands `state` to `handle` (CURLOPT_PRIVATE, CURLOPT_CURLU); destroyHandle frees it.
  static void attach(CURL* handle, std::unique_ptr<HandleState> state);

  // Points the parsed URL at `pathAndQuery` (relative to the base URL's path).
  Status target(const std::string& pathAndQuery);
  // The URL the next request goes to (for tests and logs).
  std::string url() const;
  // The header list for this pair; owned by the state, valid until it is destroyed.
  curl_slist* headers(const std::string& contentType, const std::string& accept);

 private:
  HandleState(CURLU* url, std::string basePath) : url_(url), basePath_(std::move(basePath)) {}
  struct HeaderSet {
    std::string contentType, accept;
    curl_slist* list;
  };
  CURLU* url_;
  std::string basePath_;  // the base URL's path without trailing '/', e.g. "/api/v1"
  std::string scratch_;   // basePath_ + the request's path; reused to spare an allocation
  std::vector<HeaderSet> headerSets_;
};

// curl_easy_cleanup plus the handle's HandleState.
void destroyHandle(CURL* handle);

}  // namespace p11nethsm::transport
