#pragma once
// A bare libcurl keep-alive client: one easy handle, one connection, reused for every
// request. It is both the benchmark's control channel to mock-nethsm and the baseline
// the module is measured against ("what a hand-written client costs").
#include <curl/curl.h>

#include <string>

namespace p11nethsm::bench {

struct HttpAnswer {
  long status = 0;  // 0: transport error
  std::string body;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `userPass` "user:pass" or empty; `body` non-empty → JSON POST/PUT.
  HttpAnswer request(const char* method, const std::string& url, const std::string& body = {},
                     const std::string& userPass = {});

 private:
  CURL* handle_;
  curl_slist* jsonHeaders_;
  std::string body_;
};

// Base64 (OpenSSL EVP_EncodeBlock) for request bodies.
std::string base64(const unsigned char* data, size_t size);

}  // namespace p11nethsm::bench
