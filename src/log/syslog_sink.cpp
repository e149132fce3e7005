// Syslog over plain sockets: a local unix socket (datagram, else stream), UDP or TCP
// (issue 4 §2, seed 004 syslog_socket / syslog_udp / syslog_tcp). Sockets are
// non-blocking once connected: a slow or dead log receiver costs a dropped line, never
// a stalled PKCS#11 call. A lost connection is re-established at most once a second.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "log/syslog_format.hpp"

namespace p11nethsm::log::detail {

namespace {

enum class Mode { kUnixDatagram, kUnixStream, kUdp, kTcp };

using Clock = std::chrono::steady_clock;
constexpr auto kReconnectInterval = std::chrono::seconds(1);
constexpr int kInitialConnectTimeoutMs = 1000;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
};

bool resolve(const std::string& text, int socketType, int family, Address& out,
             std::string& problem) {
  std::optional<HostPort> hp = parseHostPort(text);
  if (!hp) {
    problem = "'" + text + "' is not host:port";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = socketType;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(hp->port);
  int rc = ::getaddrinfo(hp->host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    problem = "cannot resolve '" + text + "': " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(&out.storage, found->ai_addr, found->ai_addrlen);
  out.length = found->ai_addrlen;
  out.family = found->ai_family;
  ::freeaddrinfo(found);
  return true;
}

class SocketSyslogSink final : public Sink {
 public:
  SocketSyslogSink(Mode mode, Address peer, std::optional<Address> local, SyslogIdentity id,
                   std::string name)
      : mode_(mode), peer_(peer), local_(local), id_(std::move(id)), name_(std::move(name)) {}
  ~SocketSyslogSink() override { closeSocket(); }
  SocketSyslogSink(const SocketSyslogSink&) = delete;
  SocketSyslogSink& operator=(const SocketSyslogSink&) = delete;

  // First connection, allowed to wait (configure time, no lock held).
  bool connectNow(std::string& problem) {
    if (!openSocket(problem)) return false;
    if (!connecting_) return true;
    pollfd p{fd_, POLLOUT, 0};
    lastErrno_ = 0;
    if (::poll(&p, 1, kInitialConnectTimeoutMs) == 1 && finishConnect()) return true;
    problem = lastErrno_ != 0 ? "cannot connect to " + name_ + ": " + std::strerror(lastErrno_)
                              : "no connection to " + name_ + " within 1 s";
    closeSocket();
    return false;
  }

  void write(const Record& record) override {
    int pid = id_.pid ? *id_.pid : ::getpid();
    bool network = mode_ == Mode::kUdp || mode_ == Mode::kTcp;
    std::string line = network ? formatRfc5424(record, id_, pid) : formatRfc3164(record, id_, pid);
    if (mode_ == Mode::kTcp) line = frameOctetCounted(line);
    if (mode_ == Mode::kUnixStream) line.push_back('\0');  // as glibc's syslog(3)
    bool hadSocket = fd_ >= 0 && !connecting_;
    if (send(line)) return;
    // A restarted local syslog daemon recreates its socket: reconnect once at once.
    if (mode_ == Mode::kUnixDatagram && hadSocket && fd_ < 0) {
      lastAttempt_ = {};
      send(line);
    }
  }

  std::string name() const override { return name_; }
  int lastErrno() const { return lastErrno_; }
  void afterForkInChild() override {
    // The parent keeps writing to the shared TCP stream; frames must not interleave.
    if (mode_ == Mode::kTcp) closeSocket();
  }

 private:
  bool send(const std::string& line) {
    if (!ensureConnected()) return false;
    ssize_t n = ::send(fd_, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(line.size())) return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) return false;
    if (n < 0 && mode_ == Mode::kUdp) return false;  // ICMP of an earlier datagram
    closeSocket();  // broken, or a partial frame that would corrupt the stream
    return false;
  }

  bool ensureConnected() {
    if (fd_ >= 0 && !connecting_) return true;
    if (fd_ >= 0) {
      pollfd p{fd_, POLLOUT, 0};
      return ::poll(&p, 1, 0) == 1 && finishConnect();
    }
    Clock::time_point now = Clock::now();
    if (lastAttempt_ != Clock::time_point{} && now - lastAttempt_ < kReconnectInterval) {
      return false;
    }
    lastAttempt_ = now;
    std::string ignored;
    return openSocket(ignored) && !connecting_;
  }

  bool openSocket(std::string& problem) {
    int type = mode_ == Mode::kUdp || mode_ == Mode::kUnixDatagram ? SOCK_DGRAM : SOCK_STREAM;
    fd_ = ::socket(peer_.family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) {
      problem = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    if (local_) {
      int one = 1;
      ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local_->storage), local_->length) != 0) {
        problem = std::string("bind from_addr: ") + std::strerror(errno);
        closeSocket();
        return false;
      }
    }
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&peer_.storage), peer_.length) == 0) {
      return true;
    }
    if (errno == EINPROGRESS && mode_ == Mode::kTcp) {
      connecting_ = true;
      return true;
    }
    lastErrno_ = errno;
    problem = "cannot connect to " + name_ + ": " + std::strerror(errno);
    closeSocket();
    return false;
  }

  bool finishConnect() {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      lastErrno_ = error != 0 ? error : errno;
      closeSocket();
      return false;
    }
    connecting_ = false;
    return true;
  }

  void closeSocket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    connecting_ = false;
  }

  Mode mode_;
  Address peer_;
  std::optional<Address> local_;
  SyslogIdentity id_;
  std::string name_;
  int fd_ = -1;
  bool connecting_ = false;
  int lastErrno_ = 0;
  Clock::time_point lastAttempt_{};
};

std::unique_ptr<Sink> finish(std::unique_ptr<SocketSyslogSink> sink, std::string& problem) {
  std::string why;
  if (!sink->connectNow(why)) {
    // Keep the sink: the receiver may come up later; say so once.
    problem = why + "; will retry";
  }
  return sink;
}

}  // namespace

std::unique_ptr<Sink> makeUnixSyslogSink(const std::string& path, SyslogIdentity id,
                                         std::string& problem) {
  Address peer;
  sockaddr_un un{};
  if (path.size() >= sizeof un.sun_path) {
    problem = "syslog socket path too long: " + path;
    return nullptr;
  }
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
  std::memcpy(&peer.storage, &un, sizeof un);
  peer.length = sizeof un;
  peer.family = AF_UNIX;
  auto sink = std::make_unique<SocketSyslogSink>(Mode::kUnixDatagram, peer, std::nullopt, id,
                                                 "syslog-unix:" + path);
  std::string why;
  if (sink->connectNow(why)) return sink;
  if (sink->lastErrno() != EPROTOTYPE) {
    problem = why + "; will retry";
    return sink;
  }
  // Some systems offer /dev/log as a stream socket only.
  return finish(std::make_unique<SocketSyslogSink>(Mode::kUnixStream, peer, std::nullopt,
                                                   std::move(id), "syslog-unix:" + path),
                problem);
}

std::unique_ptr<Sink> makeUdpSyslogSink(const SyslogUdp& udp, SyslogIdentity id,
                                        std::string& problem) {
  Address peer;
  if (!resolve(udp.toAddr, SOCK_DGRAM, AF_UNSPEC, peer, problem)) return nullptr;
  std::optional<Address> local;
  if (!udp.fromAddr.empty()) {
    local.emplace();
    if (!resolve(udp.fromAddr, SOCK_DGRAM, peer.family, *local, problem)) return nullptr;
  }
  return finish(std::make_unique<SocketSyslogSink>(Mode::kUdp, peer, local, std::move(id),
                                                   "syslog-udp:" + udp.toAddr),
                problem);
}

std::unique_ptr<Sink> makeTcpSyslogSink(const std::string& hostPort, SyslogIdentity id,
                                        std::string& problem) {
  Address peer;
  if (!resolve(hostPort, SOCK_STREAM, AF_UNSPEC, peer, problem)) return nullptr;
  return finish(std::make_unique<SocketSyslogSink>(Mode::kTcp, peer, std::nullopt, std::move(id),
                                                   "syslog-tcp:" + hostPort),
                problem);
}

}  // namespace p11nethsm::log::detail
