#include "http_client.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <vector>

namespace p11nethsm::bench {
namespace {

size_t collect(char* data, size_t size, size_t count, void* userp) {
  static_cast<std::string*>(userp)->append(data, size * count);
  return size * count;
}

}  // namespace

HttpClient::HttpClient() : handle_(curl_easy_init()), jsonHeaders_(nullptr) {
  jsonHeaders_ = curl_slist_append(jsonHeaders_, "Content-Type: application/json");
  jsonHeaders_ = curl_slist_append(jsonHeaders_, "Expect:");
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  // Loopback mock with a fresh self-signed certificate: the bench does not verify it
  // (the module under test does, by pin; a handshake happens once per connection).
  curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &body_);
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT, 120L);
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(handle_);
  curl_slist_free_all(jsonHeaders_);
}

HttpAnswer HttpClient::request(const char* method, const std::string& url, const std::string& body,
                               const std::string& userPass) {
  body_.clear();
  curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
  const bool get = std::strcmp(method, "GET") == 0;
  curl_easy_setopt(handle_, CURLOPT_HTTPGET, get ? 1L : 0L);
  if (!get) {
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body.c_str());
  }
  curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST,
                   get || std::strcmp(method, "POST") == 0 ? nullptr : method);
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, body.empty() ? nullptr : jsonHeaders_);
  curl_easy_setopt(handle_, CURLOPT_USERPWD, userPass.empty() ? nullptr : userPass.c_str());
  HttpAnswer answer;
  if (curl_easy_perform(handle_) == CURLE_OK) {
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &answer.status);
    answer.body = body_;
  }
  return answer;
}

std::string base64(const unsigned char* data, size_t size) {
  std::vector<unsigned char> out(4 * ((size + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), data, static_cast<int>(size));
  return std::string(reinterpret_cast<char*>(out.data()), static_cast<size_t>(n));
}

}  // namespace p11nethsm::bench
