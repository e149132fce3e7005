#pragma once
// Receivers for the log sink tests: a unix socket in a temp folder, UDP and TCP on
// 127.0.0.1 only, a stderr capture, and a fixture that resets the global logger.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>

#include "config/config.hpp"  // config::LogConfig = log::Options
#include "log/log.hpp"
#include "unit/config/test_files.hpp"

namespace p11nethsm::testing {

inline constexpr int kReceiveTimeoutMs = 3000;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    reset();
    fd_ = other.fd_;
    other.fd_ = -1;
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

inline bool waitReadable(int fd, int timeoutMs = kReceiveTimeoutMs) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeoutMs) == 1;
}

// One datagram, or nullopt after the timeout.
inline std::optional<std::string> receiveDatagram(int fd, int timeoutMs = kReceiveTimeoutMs,
                                                  sockaddr_in* from = nullptr) {
  if (!waitReadable(fd, timeoutMs)) return std::nullopt;
  char buffer[65536];
  socklen_t fromLength = sizeof(sockaddr_in);
  ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(from),
                         from ? &fromLength : nullptr);
  if (n < 0) return std::nullopt;
  return std::string(buffer, size_t(n));
}

inline Fd bindUnix(const std::string& path, int type) {
  Fd fd(::socket(AF_UNIX, type, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ::unlink(path.c_str());
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  if (type == SOCK_STREAM) ::listen(fd.get(), 4);
  return fd;
}

// A socket bound to 127.0.0.1:port (0 = any free port); listening if TCP.
inline Fd bindLoopback(int type, uint16_t port = 0) {
  Fd fd(::socket(AF_INET, type, 0));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  if (type == SOCK_STREAM) ::listen(fd.get(), 4);
  return fd;
}

inline uint16_t localPort(int fd) {
  sockaddr_in addr{};
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  return ntohs(addr.sin_port);
}

inline Fd acceptWithTimeout(int listener, int timeoutMs = kReceiveTimeoutMs) {
  if (!waitReadable(listener, timeoutMs)) return Fd();
  return Fd(::accept(listener, nullptr, nullptr));
}

// Reads RFC 6587 octet-counted frames ("LEN SP MSG") from a TCP stream.
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}
  std::optional<std::string> next(int timeoutMs = kReceiveTimeoutMs) {
    for (;;) {
      size_t space = buffer_.find(' ');
      if (space != std::string::npos) {
        size_t length = std::stoul(buffer_.substr(0, space));
        if (buffer_.size() >= space + 1 + length) {
          std::string frame = buffer_.substr(space + 1, length);
          buffer_.erase(0, space + 1 + length);
          return frame;
        }
      }
      if (!waitReadable(fd_, timeoutMs)) return std::nullopt;
      char chunk[4096];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, size_t(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

// Redirects fd 2 into a temp file for one scope.
class StderrCapture {
 public:
  explicit StderrCapture(const TempDir& dir) : path_(dir.file("stderr.txt")) {
    ::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // Stops capturing and returns what was written.
  std::string text() {
    restore();
    return readFile(path_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    ::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

// Every log test starts and ends with an unconfigured logger and no level override.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { log::shutdown(); }
  void TearDown() override { log::shutdown(); }
  ScopedEnv noOverride_{log::kLevelEnvVar, std::nullopt};
  TempDir dir_;
};

inline size_t countOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace p11nethsm::testing
