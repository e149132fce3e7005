// log_file sink (seed 004: a file, or "-" for stderr; appended) and the line format
// shared by file and stderr: "<UTC time> <LEVEL> p11nethsm[<pid>/<tid>]: <message>".
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log/sink.hpp"

namespace p11nethsm::log::detail {

namespace {

class FdSink final : public Sink {
 public:
  FdSink(int fd, bool owned, std::string name) : fd_(fd), owned_(owned), name_(std::move(name)) {}
  ~FdSink() override {
    if (owned_) ::close(fd_);
  }
  FdSink(const FdSink&) = delete;
  FdSink& operator=(const FdSink&) = delete;

  // One write(2) per line: with O_APPEND, lines of several processes do not mix.
  void write(const Record& record) override {
    std::string line = isoTimestamp(record.time) + " " + levelName(record.level) + " p11nethsm[" +
                       std::to_string(::getpid()) + "/" + std::to_string(::gettid()) + "]: ";
    line.append(record.message);
    line.push_back('\n');
    size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere to report a failing log sink
      done += size_t(n);
    }
  }
  std::string name() const override { return name_; }
  bool isStderr() const override { return !owned_; }

 private:
  int fd_;
  bool owned_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Sink> makeStderrSink() {
  return std::make_unique<FdSink>(STDERR_FILENO, false, "stderr");
}

std::unique_ptr<Sink> makeFileSink(const std::string& path, std::string& problem) {
  if (path == "-") return makeStderrSink();
  // 0600: logs name keys and users; they are nobody else's business.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    problem = "cannot open log_file '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<FdSink>(fd, true, "file:" + path);
}

std::string sanitize(std::string_view message) {
  std::string out(message.substr(0, kMaxMessageBytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string isoTimestamp(const timespec& time) {
  struct tm utc {};
  ::gmtime_r(&time.tv_sec, &utc);
  char buffer[40];
  size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03ldZ", time.tv_nsec / 1000000);
  return buffer;
}

const char* levelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "TRACE";
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
    case Level::kOff:
      break;
  }
  return "OFF";
}

}  // namespace p11nethsm::log::detail
