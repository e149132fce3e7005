// The hostile NetHSM stand-in (see hostile_server.hpp).
#include "hostile_server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "tls_identity.hpp"  // mock-nethsm's self-signed identity

namespace p11nethsm::hostile {
namespace {

constexpr size_t kMaxRequestBytes = 1 << 20;
constexpr size_t kFillChunk = 64 * 1024;

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 404:
      return "Not Found";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    default:
      return status >= 500 ? "Server Error" : "Status";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool writeAll(SSL* ssl, const char* data, size_t size) {
  while (size > 0) {
    int n = SSL_write(ssl, data, static_cast<int>(std::min<size_t>(size, 1 << 20)));
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads one request (headers, then Content-Length bytes) from `ssl`; `buffer` keeps
// bytes read past it. nullopt when the peer closed or sent garbage.
std::optional<HttpRequest> readRequest(SSL* ssl, std::string& buffer) {
  char chunk[16384];
  size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxRequestBytes) return std::nullopt;
    int n = SSL_read(ssl, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  HttpRequest request;
  std::string head = buffer.substr(0, end);
  size_t lineEnd = head.find("\r\n");
  std::string first = head.substr(0, lineEnd);
  size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
  if (sp1 == std::string::npos || sp2 <= sp1) return std::nullopt;
  request.method = first.substr(0, sp1);
  request.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
  for (size_t pos = lineEnd; pos != std::string::npos && pos < head.size();) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[lower(line.substr(0, colon))] = value;
    }
    pos = next;
  }
  size_t length = 0;
  if (auto it = request.headers.find("content-length"); it != request.headers.end())
    length = std::stoul(it->second);
  if (length > kMaxRequestBytes) return std::nullopt;
  buffer.erase(0, end + 4);
  while (buffer.size() < length) {
    int n = SSL_read(ssl, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  request.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return request;
}

}  // namespace

std::string serialize(const HttpResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  if (!r.contentType.empty()) out += "Content-Type: " + r.contentType + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  return out + r.body;
}

Reply replyWith(const HttpResponse& response) {
  Reply reply;
  reply.head = serialize(response);
  return reply;
}

Reply jsonReply(int status, const std::string& body) {
  return replyWith(HttpResponse{status, "application/json", body});
}

Handler onPath(std::string path, std::function<Reply(const HttpRequest&, const Upstream&)> make) {
  return [path = std::move(path), make = std::move(make)](
             const HttpRequest& r, const Upstream& up) -> std::optional<Reply> {
    if (r.path != path) return std::nullopt;
    return make(r, up);
  };
}

HostileServer::HostileServer(std::string upstreamHost, int upstreamPort)
    : upstreamHost_(std::move(upstreamHost)), upstreamPort_(upstreamPort) {}

HostileServer::~HostileServer() {
  stop();
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

std::string HostileServer::baseUrl() const {
  return "https://127.0.0.1:" + std::to_string(port_) + "/api/v1";
}

bool HostileServer::start() {
  auto identity = mock::TlsIdentity::selfSigned();
  if (!identity) return false;
  fingerprint_ = identity->fingerprint();
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr || SSL_CTX_use_certificate(ctx_, identity->cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx_, identity->key.get()) != 1)
    return false;
  listenFd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listenFd_ < 0 || bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listenFd_, 64) != 0 ||
      getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return false;
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
  return true;
}

void HostileServer::stop() {
  if (stopping_.exchange(true)) return;
  if (listenFd_ >= 0) shutdown(listenFd_, SHUT_RDWR);
  {
    std::lock_guard lock(mutex_);
    for (int fd : openFds_) shutdown(fd, SHUT_RDWR);
  }
  changed_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  if (listenFd_ >= 0) close(listenFd_);
}

void HostileServer::setHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

std::vector<std::string> HostileServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t HostileServer::followUpsSent() const {
  std::lock_guard lock(mutex_);
  return followUps_;
}

bool HostileServer::waitForFollowUps(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return followUps_ >= n; });
}

void HostileServer::acceptLoop() {
  while (!stopping_) {
    int fd = accept(listenFd_, nullptr, nullptr);
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    if (stopping_) {
      close(fd);
      return;
    }
    openFds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void HostileServer::holdUntilStop() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_.load(); });
}

HttpResponse fetchFrom(const std::string& host, int port, const HttpRequest& request) {
  httplib::SSLClient client(host, port);
  client.enable_server_certificate_verification(false);
  httplib::Request r;
  r.method = request.method;
  r.path = request.path;
  r.body = request.body;
  for (const char* name : {"authorization", "content-type", "accept"}) {
    if (auto it = request.headers.find(name); it != request.headers.end())
      r.set_header(name, it->second);
  }
  auto result = client.send(r);
  if (!result) return {};
  return HttpResponse{result->status, result->get_header_value("Content-Type"), result->body};
}

bool HostileServer::writeReply(SSL* ssl, const Reply& reply) {
  if (reply.drip.count() > 0) {
    for (char c : reply.head) {
      if (stopping_ || !writeAll(ssl, &c, 1)) return false;
      std::this_thread::sleep_for(reply.drip);  // the server's misbehaviour, not a test wait
    }
  } else if (!writeAll(ssl, reply.head.data(), reply.head.size())) {
    return false;
  }
  const std::string filler(kFillChunk, reply.fillChar);
  for (size_t left = reply.fill; left > 0;) {
    size_t n = std::min(left, kFillChunk);
    if (stopping_ || !writeAll(ssl, filler.data(), n)) return false;
    left -= n;
  }
  return writeAll(ssl, reply.tail.data(), reply.tail.size());
}

void HostileServer::serve(int fd) {
  SSL* ssl = nullptr;
  if (handshakeStall_) {
    holdUntilStop();
  } else if ((ssl = SSL_new(ctx_)) != nullptr && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
    std::string buffer;
    const Upstream upstream = [this](const HttpRequest& r) {
      return fetchFrom(upstreamHost_, upstreamPort_, r);
    };
    while (!stopping_) {
      auto request = readRequest(ssl, buffer);
      if (!request) break;
      Handler handler;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request->method + " " + request->path);
        handler = handler_;
      }
      std::optional<Reply> reply = handler ? handler(*request, upstream) : std::nullopt;
      if (!reply) reply = replyWith(upstream(*request));
      if (reply->stall) {
        holdUntilStop();
        break;
      }
      if (!writeReply(ssl, *reply)) break;
      if (!reply->followUp.empty()) {
        std::this_thread::sleep_for(reply->followUpDelay);  // the misbehaviour: a late extra answer
        if (!writeAll(ssl, reply->followUp.data(), reply->followUp.size())) break;
        std::lock_guard lock(mutex_);
        ++followUps_;
        changed_.notify_all();
      }
      if (reply->close) break;
    }
  }
  if (ssl != nullptr) SSL_free(ssl);
  std::lock_guard lock(mutex_);
  std::erase(openFds_, fd);
  close(fd);
}

}  // namespace p11nethsm::hostile
