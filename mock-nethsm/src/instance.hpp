#pragma once
// One cluster member: an HTTPS server (cpp-httplib SSLServer) on its own port, sharing
// the SharedCore with the others. Faults that act on the connection (reset, close after
// processing, down) act on the TLS socket of the request (SSL_get_fd), and open
// connections are tracked through SSL ex_data so "down" and stop() can close them.
#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api_context.hpp"
#include "router.hpp"
#include "tls_identity.hpp"
#include "worker_pool.hpp"

namespace p11nethsm::mock {

class Instance {
 public:
  Instance(SharedCore& core, const Router& router, InstanceState& state, TlsIdentity identity,
           std::string bindAddress, int workers, int maxWorkers);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Binds `port` (0: a free one) and serves in a background thread.
  bool start(int port, std::string& error);
  void stop();
  bool setDown(bool down);  // false if the port cannot be bound again
  bool isDown() const { return down_; }
  int port() const { return port_; }
  void setIdentity(TlsIdentity identity);
  TlsIdentity identity() const;

  // Used by the OpenSSL callbacks.
  void registerConnection(int fd);
  void unregisterConnection(int fd);
  void countHandshake() { state_.tlsHandshakes++; }
  bool useIdentity(SSL* ssl);

 private:
  void serve(const httplib::Request& req, httplib::Response& res, std::string body,
             std::vector<httplib::MultipartFormData> parts);
  std::unique_ptr<httplib::SSLServer> makeServer();
  void closeOpenConnections();
  bool bindAndRun(int port, std::string& error);
  void halt();

  SharedCore& core_;
  const Router& router_;
  InstanceState& state_;
  std::string bindAddress_;
  int workers_;
  int maxWorkers_;
  std::atomic<int> port_{0};
  std::atomic<bool> down_{false};
  std::atomic<bool> running_{false};
  std::mutex lifecycleMutex_;  // start/stop/down/up may come from several threads
  mutable std::mutex identityMutex_;
  TlsIdentity identity_;
  std::mutex connMutex_;
  std::set<int> openFds_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
};

}  // namespace p11nethsm::mock
