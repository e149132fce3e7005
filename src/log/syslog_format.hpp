#pragma once
// Syslog line formats, written by hand because they are a few bytes of text and
// Debian's syslog(3) can reach neither UDP nor TCP receivers:
// RFC 3164 (BSD) for the local socket, as glibc's syslog(3) writes it, and RFC 5424
// for UDP (RFC 5426) and TCP (octet-counting framing, RFC 6587 §3.4.1).
#include <string>

#include "log/sink.hpp"

namespace p11nethsm::log::detail {

// RFC 5424 §6.2.1 severity: trace/debug 7, info 6, warn 4, error 3.
int syslogSeverity(Level level);

// "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG" with local time and English month names
// (independent of the application's locale).
std::string formatRfc3164(const Record& record, const SyslogIdentity& id, int pid);

// "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG" (no structured data).
std::string formatRfc5424(const Record& record, const SyslogIdentity& id, int pid);

// RFC 6587 octet counting: "LEN SP MSG".
std::string frameOctetCounted(const std::string& message);

}  // namespace p11nethsm::log::detail
