#pragma once
// Where log lines go. Internal to log/: the logger calls sinks with its mutex held, so
// a sink needs no lock of its own but must never block on the network (sockets are
// written with MSG_DONTWAIT; a line that cannot be sent at once is dropped).
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "log/log.hpp"

namespace p11nethsm::log::detail {

struct Record {
  Level level = Level::kInfo;
  std::string_view message;  // already sanitised: one line, bounded length
  timespec time{};
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const Record& record) = 0;
  virtual std::string name() const = 0;
  // True for the sink writing to fd 2 (errors before configure() were printed there).
  virtual bool isStderr() const { return false; }
  // In the child after fork(): drop state shared with the parent (e.g. a TCP stream).
  virtual void afterForkInChild() {}
};

// Messages longer than this are cut (a syslog datagram must stay small).
inline constexpr size_t kMaxMessageBytes = 4096;

// One line: control characters replaced by spaces, cut at kMaxMessageBytes.
std::string sanitize(std::string_view message);
// "2026-11-22T07:01:17.123Z" (UTC, milliseconds): the file/stderr and RFC 5424 stamp.
std::string isoTimestamp(const timespec& time);
const char* levelName(Level level);

// log_file: a path opened for append (created 0600), or "-" for stderr.
std::unique_ptr<Sink> makeFileSink(const std::string& path, std::string& problem);
std::unique_ptr<Sink> makeStderrSink();

struct SyslogIdentity {
  int facility = 1;        // user
  std::string hostname;    // RFC 5424 HOSTNAME (network sinks only)
  std::string process;     // APP-NAME / TAG
  std::optional<int> pid;  // unset: getpid() at write time (right after fork)
};

// Syslog sinks; nullptr + `problem` when they cannot be set up.
std::unique_ptr<Sink> makeUnixSyslogSink(const std::string& path, SyslogIdentity id,
                                         std::string& problem);
std::unique_ptr<Sink> makeUdpSyslogSink(const SyslogUdp& udp, SyslogIdentity id,
                                        std::string& problem);
std::unique_ptr<Sink> makeTcpSyslogSink(const std::string& hostPort, SyslogIdentity id,
                                        std::string& problem);

}  // namespace p11nethsm::log::detail
