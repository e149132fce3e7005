#include "instance.hpp"

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <iostream>
#include <mutex>

#include "serve.hpp"

namespace p11nethsm::mock {
namespace {

// Per-SSL record of an open connection; freed with the SSL (before httplib closes the
// socket), which keeps the fd registry free of reused descriptors.
struct ConnRecord {
  Instance* instance;
  int fd;
  bool handshakeCounted = false;
};

void freeConnRecord(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  auto* rec = static_cast<ConnRecord*>(ptr);
  if (rec == nullptr) return;
  rec->instance->unregisterConnection(rec->fd);
  delete rec;
}

int connIndex() {
  static std::once_flag once;
  static int index = -1;
  std::call_once(
      once, [] { index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeConnRecord); });
  return index;
}

void infoCallback(const SSL* ssl, int where, int) {
  auto* instance = static_cast<Instance*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  auto* rec = static_cast<ConnRecord*>(SSL_get_ex_data(ssl, connIndex()));
  if ((where & SSL_CB_HANDSHAKE_START) && rec == nullptr) {
    rec = new ConnRecord{instance, SSL_get_fd(ssl)};
    SSL_set_ex_data(const_cast<SSL*>(ssl), connIndex(), rec);
    instance->registerConnection(rec->fd);
  }
  // TLS 1.3 may report HANDSHAKE_DONE again after post-handshake messages: count once.
  if ((where & SSL_CB_HANDSHAKE_DONE) && rec != nullptr && !rec->handshakeCounted) {
    rec->handshakeCounted = true;
    instance->countHandshake();
  }
}

int certCallback(SSL* ssl, void* arg) {
  return static_cast<Instance*>(arg)->useIdentity(ssl) ? 1 : 0;
}

int sslFd(const httplib::Request& req) { return req.ssl != nullptr ? SSL_get_fd(req.ssl) : -1; }

// RST instead of an answer: connect(AF_UNSPEC) disconnects a TCP socket with a reset
// on Linux, and httplib's later writes fail.
void resetConnection(int fd) {
  if (fd < 0) return;
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  sockaddr sa{};
  sa.sa_family = AF_UNSPEC;
  connect(fd, &sa, sizeof(sa));
}

void closeConnection(int fd) {
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

}  // namespace

Instance::Instance(SharedCore& core, const Router& router, InstanceState& state,
                   TlsIdentity identity, std::string bindAddress, int workers, int maxWorkers)
    : core_(core),
      router_(router),
      state_(state),
      bindAddress_(std::move(bindAddress)),
      workers_(workers),
      maxWorkers_(std::max(workers, maxWorkers)),
      identity_(std::move(identity)) {
  state_.identity = [this] { return this->identity(); };
  state_.setIdentity = [this](TlsIdentity id) { this->setIdentity(std::move(id)); };
}

Instance::~Instance() { stop(); }

std::unique_ptr<httplib::SSLServer> Instance::makeServer() {
  auto server = std::make_unique<httplib::SSLServer>([this](SSL_CTX& ctx) {
    TlsIdentity id = identity();
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_app_data(&ctx, this);
    SSL_CTX_set_info_callback(&ctx, infoCallback);
    SSL_CTX_set_cert_cb(&ctx, certCallback, this);
    return SSL_CTX_use_certificate(&ctx, id.cert.get()) == 1 &&
           SSL_CTX_use_PrivateKey(&ctx, id.key.get()) == 1;
  });
  // One connection may carry any number of requests (a client does 10,000 on one).
  server->set_keep_alive_max_count(1000000);
  server->set_keep_alive_timeout(120);
  server->set_read_timeout(60);
  server->set_tcp_nodelay(true);
  server->set_payload_max_length(68u << 20);
  const size_t workers = static_cast<size_t>(workers_ > 0 ? workers_ : 1);
  const size_t maxWorkers = static_cast<size_t>(maxWorkers_ > 0 ? maxWorkers_ : 1);
  server->new_task_queue = [this, workers, maxWorkers] {
    return new WorkerPool(workers, maxWorkers, state_.tcpConnections);
  };
  auto plain = [this](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, req.body, {});
  };
  auto reader = [this](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& read) {
    std::string body;
    std::vector<httplib::MultipartFormData> parts;
    // RFC 7230 §3.3.3: without Content-Length or Transfer-Encoding a request has no
    // body (`curl -X POST .../lock`); httplib would wait for the peer to close.
    bool hasBody = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
    if (!hasBody) {
      // nothing to read
    } else if (req.is_multipart_form_data()) {
      read(
          [&](const httplib::MultipartFormData& file) {
            parts.push_back(file);
            return true;
          },
          [&](const char* data, size_t len) {
            parts.back().content.append(data, len);
            return true;
          });
    } else {
      read([&](const char* data, size_t len) {
        body.append(data, len);
        return true;
      });
    }
    serve(req, res, std::move(body), std::move(parts));
  };
  server->Get(".*", plain);
  server->Delete(".*", plain);
  server->Options(".*", plain);
  server->Post(".*", reader);
  server->Put(".*", reader);
  server->Patch(".*", reader);
  return server;
}

bool Instance::bindAndRun(int port, std::string& error) {
  server_ = makeServer();
  if (!server_->is_valid()) {
    error = "TLS set-up failed";
    return false;
  }
  if (port == 0) {
    port_ = server_->bind_to_any_port(bindAddress_);
  } else {
    port_ = server_->bind_to_port(bindAddress_, port) ? port : -1;
  }
  if (port_ <= 0) {
    error = "cannot bind " + bindAddress_ + ":" + std::to_string(port);
    port_ = port;
    return false;
  }
  running_ = true;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    running_ = false;
  });
  // httplib's stop() is a no-op until the listen loop runs: wait for it, so that a
  // mock stopped right after start() cannot leave its thread blocked in accept().
  for (int i = 0; i < 5000 && !server_->is_running() && running_; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

bool Instance::start(int port, std::string& error) {
  std::lock_guard<std::mutex> lock(lifecycleMutex_);
  return bindAndRun(port, error);
}

void Instance::halt() {
  if (!server_) return;
  state_.faults.wakeStalled();
  server_->stop();
  // Idle keep-alive connections would hold the workers for the keep-alive timeout:
  // shut their sockets until the server thread (which joins the workers) is done.
  while (running_) {
    closeOpenConnections();
    state_.faults.wakeStalled();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void Instance::stop() {
  std::lock_guard<std::mutex> lock(lifecycleMutex_);
  halt();
}

bool Instance::setDown(bool down) {
  std::lock_guard<std::mutex> lock(lifecycleMutex_);
  if (down == down_) return true;
  down_ = down;
  if (down) {
    halt();
    return true;
  }
  std::string error;
  if (!bindAndRun(port_, error)) {
    std::cerr << "mock-nethsm: instance up again: " << error << "\n";
    return false;
  }
  return true;
}

void Instance::setIdentity(TlsIdentity identity) {
  std::lock_guard<std::mutex> lock(identityMutex_);
  identity_ = std::move(identity);
}

TlsIdentity Instance::identity() const {
  std::lock_guard<std::mutex> lock(identityMutex_);
  return identity_;
}

bool Instance::useIdentity(SSL* ssl) {
  TlsIdentity id = identity();
  return SSL_use_certificate(ssl, id.cert.get()) == 1 && SSL_use_PrivateKey(ssl, id.key.get()) == 1;
}

void Instance::registerConnection(int fd) {
  std::lock_guard<std::mutex> lock(connMutex_);
  openFds_.insert(fd);
}

void Instance::unregisterConnection(int fd) {
  std::lock_guard<std::mutex> lock(connMutex_);
  openFds_.erase(fd);
}

void Instance::closeOpenConnections() {
  std::lock_guard<std::mutex> lock(connMutex_);
  for (int fd : openFds_) closeConnection(fd);
}

// Connection faults act on the TLS socket of the request.
void Instance::serve(const httplib::Request& req, httplib::Response& res, std::string body,
                     std::vector<httplib::MultipartFormData> parts) {
  const int fd = sslFd(req);
  ConnectionActions actions{[fd] { resetConnection(fd); },
                            [this, fd] {
                              state_.faults.stall();
                              closeConnection(fd);
                            },
                            [fd] { closeConnection(fd); }};
  serveRequest(core_, router_, state_, req, res, std::move(body), std::move(parts), actions);
}

}  // namespace p11nethsm::mock
