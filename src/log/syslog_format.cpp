#include "log/syslog_format.hpp"

#include <charconv>
#include <cstdio>

namespace p11nethsm::log::detail {

namespace {

struct FacilityName {
  std::string_view name;
  int code;
};

// The names of the seed documentation, with their RFC 5424 codes.
constexpr FacilityName kFacilities[] = {
    {"kern", 0},      {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
    {"syslog", 5},    {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
    {"authpriv", 10}, {"ftp", 11},    {"local0", 16}, {"local1", 17}, {"local2", 18},
    {"local3", 19},   {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
};

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Appended piece by piece: `"<" + std::to_string(...)` trips GCC 12's -Wrestrict
// false positive at -O3 (GCC bug 105329), which breaks Release builds with -Werror.
std::string priority(const SyslogIdentity& id, Level level) {
  std::string out(1, '<');
  out += std::to_string(id.facility * 8 + syslogSeverity(level));
  out += '>';
  return out;
}

// RFC 5424 §6: HOSTNAME, APP-NAME are PRINTUSASCII (33..126) with length limits;
// anything else becomes '_', empty becomes the NILVALUE "-".
std::string headerField(const std::string& value, size_t maxLength) {
  if (value.empty()) return "-";
  std::string out = value.substr(0, maxLength);
  for (char& c : out) {
    if (c < 33 || c > 126) c = '_';
  }
  return out;
}

}  // namespace

int syslogSeverity(Level level) {
  switch (level) {
    case Level::kTrace:
    case Level::kDebug:
      return 7;
    case Level::kInfo:
      return 6;
    case Level::kWarn:
      return 4;
    default:
      return 3;
  }
}

std::string formatRfc3164(const Record& record, const SyslogIdentity& id, int pid) {
  struct tm local {};
  ::localtime_r(&record.time.tv_sec, &local);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%s %2d %02d:%02d:%02d", kMonths[local.tm_mon % 12],
                local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
  std::string line =
      priority(id, record.level) + stamp + " " + id.process + "[" + std::to_string(pid) + "]: ";
  line.append(record.message);
  return line;
}

std::string formatRfc5424(const Record& record, const SyslogIdentity& id, int pid) {
  std::string line = priority(id, record.level) + "1 " + isoTimestamp(record.time) + " " +
                     headerField(id.hostname, 255) + " " + headerField(id.process, 48) + " " +
                     std::to_string(pid) + " - - ";
  line.append(record.message);
  return line;
}

std::string frameOctetCounted(const std::string& message) {
  return std::to_string(message.size()) + " " + message;
}

}  // namespace p11nethsm::log::detail

namespace p11nethsm::log {

std::optional<int> syslogFacilityCode(std::string_view name) {
  for (const auto& f : detail::kFacilities) {
    if (f.name == name) return f.code;
  }
  return std::nullopt;
}

std::optional<HostPort> parseHostPort(std::string_view text) {
  HostPort out;
  std::string_view portText;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs []
    portText = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (out.host.empty() || portText.empty() || ec != std::errc() ||
      end != portText.data() + portText.size() || port > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace p11nethsm::log
