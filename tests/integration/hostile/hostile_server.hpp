#pragma once
// A hostile NetHSM stand-in (issue 12 §6): an HTTPS server on 127.0.0.1 with
// byte-level control over what it writes. By default it forwards every request to a
// real mock-nethsm and relays the correct answer; a test's handler replaces the
// answer of one endpoint (wrong JSON, huge bodies, broken framing, stale extra
// answers, stalls). Raw OpenSSL, one thread per connection.
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace p11nethsm::hostile {

struct HttpRequest {
  std::string method;
  std::string path;                            // as sent, e.g. "/api/v1/keys/k1/sign"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

struct HttpResponse {
  int status = 0;  // 0: the upstream could not be reached
  std::string contentType;
  std::string body;
};

// What the server writes for one request.
struct Reply {
  std::string head;  // written first (usually a whole serialized response)
  size_t fill = 0;   // then this many copies of fillChar, in 64 KiB writes
  char fillChar = 'A';
  std::string tail;                   // then this
  std::chrono::milliseconds drip{0};  // > 0: `head` one byte at a time, this far apart
  std::string followUp;               // written unasked, followUpDelay after the answer
  std::chrono::milliseconds followUpDelay{0};
  bool close = false;  // close the connection after writing
  bool stall = false;  // write nothing and hold the connection until stop()
};

// "HTTP/1.1 <status>" with Content-Type and an exact Content-Length, keep-alive.
std::string serialize(const HttpResponse& response);
Reply replyWith(const HttpResponse& response);
Reply jsonReply(int status, const std::string& body);
// Sends `request` to an HTTPS server (certificate not checked: the mock's own).
HttpResponse fetchFrom(const std::string& host, int port, const HttpRequest& request);

// The correct answer to the request, fetched from the mock on demand; `path` may be
// rewritten (e.g. to sign with another key).
using Upstream = std::function<HttpResponse(const HttpRequest&)>;
// nullopt: relay the upstream's answer unchanged.
using Handler = std::function<std::optional<Reply>(const HttpRequest&, const Upstream&)>;

// A handler for one path only: `make` answers requests to `path`, others are relayed.
Handler onPath(std::string path, std::function<Reply(const HttpRequest&, const Upstream&)> make);

class HostileServer {
 public:
  HostileServer(std::string upstreamHost, int upstreamPort);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  bool start();
  void stop();
  int port() const { return port_; }
  std::string baseUrl() const;  // https://127.0.0.1:PORT/api/v1
  const std::string& fingerprint() const { return fingerprint_; }

  void setHandler(Handler handler);
  // Accept TCP connections and never answer the TLS handshake.
  void setHandshakeStall(bool stall) { handshakeStall_ = stall; }

  // "METHOD path" of every request read, in order.
  std::vector<std::string> requests() const;
  size_t followUpsSent() const;
  // Waits (condition variable) until `n` unasked answers have been written.
  bool waitForFollowUps(size_t n, std::chrono::milliseconds timeout);

 private:
  void acceptLoop();
  void serve(int fd);
  bool writeReply(SSL* ssl, const Reply& reply);
  void holdUntilStop();

  std::string upstreamHost_;
  int upstreamPort_;
  SSL_CTX* ctx_ = nullptr;
  std::string fingerprint_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> handshakeStall_{false};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Handler handler_;
  std::vector<std::thread> workers_;
  std::vector<int> openFds_;
  std::vector<std::string> requests_;
  size_t followUps_ = 0;
};

}  // namespace p11nethsm::hostile
