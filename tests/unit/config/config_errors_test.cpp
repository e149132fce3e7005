// Every error path of the parser: each bad configuration fails with one message that
// names the file, the line (and column) and the key path (issue 4 §1).
#include <gtest/gtest.h>

#include "unit/config/config_test_util.hpp"
#include "unit/config/test_files.hpp"

namespace p11nethsm::config {
namespace {

using testing::minimalSlot;
using testing::mustFail;

struct BadCase {
  const char* name;
  std::string yaml;
  std::string expected;  // a substring of the message: "test.conf:L:C: key: problem"
};

// Builds a slot with `slotBody` (the lines after "  - label: A\n").
std::string slotWith(const std::string& slotBody) { return "slots:\n  - label: A\n" + slotBody; }
const std::string kOp = "    operator:\n      username: op\n";
const std::string kInst = "    instances:\n      - url: https://h/api/v1\n";

std::vector<BadCase> badCases() {
  return {
      {"InvalidYaml", "slots: [\n  - label: A\n  foo: : :\n",
       "test.conf:2:3: not valid YAML: illegal block entry"},
      {"TopLevelIsAList", "- a\n- b\n", "test.conf:1:1: expected a map of options, found a list"},
      {"TopLevelIsAScalar", "hello\n", "test.conf:1:1: expected a map of options, found a single"},
      {"NonScalarKey", "? [a, b]\n: 1\n" + minimalSlot(), "a key must be a plain name"},
      {"DuplicateTopLevelKey", "log_level: Info\nlog_level: Debug\n" + minimalSlot(),
       "test.conf:2:1: log_level: key 'log_level' appears twice"},
      {"DuplicateSlotKey", slotWith(kOp + kOp + kInst),
       "test.conf:5:5: slots[0].operator: key 'operator' appears twice"},
      {"SlotsNotAList", "slots:\n  label: A\n", "test.conf:1:1: slots: expected a list of slots"},
      {"NoSlotsKey", "log_level: Info\n", "test.conf: no slot is configured"},
      {"SlotsNull", "slots:\n", "test.conf: no slot is configured"},
      {"SlotsEmptyList", "slots: []\n", "no slot is configured"},
      {"SlotNotAMap", "slots:\n  - just-a-name\n", "test.conf:2:5: slots[0]: expected a map"},
      {"MissingLabel", "slots:\n  - operator: {username: op}\n" + kInst,
       "test.conf:2:5: slots[0]: required key 'label' is missing or has no value"},
      {"EmptyLabel", "slots:\n  - label: \"\"\n" + kOp + kInst,
       "test.conf:2:5: slots[0].label: the label is empty"},
      {"LabelTooLong", "slots:\n  - label: " + std::string(33, 'x') + "\n" + kOp + kInst,
       "slots[0].label: the label has 33 bytes; a PKCS#11 token label holds at most 32"},
      {"LabelIsAMap", "slots:\n  - label: {a: 1}\n" + kOp + kInst,
       "slots[0].label: expected a string, found a map"},
      {"NoUser", slotWith(kInst),
       "test.conf:2:5: slots[0]: slot 'A' needs an operator or an administrator"},
      {"UserNotAMap", slotWith("    operator: op\n" + kInst),
       "test.conf:3:5: slots[0].operator: expected a map of options, found a single value"},
      {"UsernameMissing", slotWith("    operator:\n      password: x\n" + kInst),
       "slots[0].operator: required key 'username' is missing"},
      {"UsernameEmpty", slotWith("    administrator:\n      username: \"\"\n" + kInst),
       "test.conf:4:7: slots[0].administrator.username: the username is empty"},
      {"PasswordIsAList",
       slotWith("    operator:\n      username: op\n      password: [s3cr3t]\n" + kInst),
       "test.conf:5:7: slots[0].operator.password: expected a password, found a list"},
      {"EnvWithoutName",
       slotWith("    operator:\n      username: op\n      password: \"env:\"\n" + kInst),
       "slots[0].operator.password: env: needs a variable name"},
      {"EnvVariableUnset",
       slotWith("    operator:\n      username: op\n      password: env:P11NETHSM_SURELY_UNSET\n" +
                kInst),
       "test.conf:5:7: slots[0].operator.password: environment variable "
       "'P11NETHSM_SURELY_UNSET' is not set"},
      {"InstancesMissing", slotWith(kOp),
       "slots[0]: required key 'instances' is missing or has no value"},
      {"InstancesMisspelt", slotWith(kOp + "    instnces:\n      - url: https://h/api/v1\n"),
       "test.conf:2:5: slots[0]: required key 'instances' is missing or has no value (is "
       "'instnces' a misspelling of it?)"},
      {"InstancesEmpty", slotWith(kOp + "    instances: []\n"),
       "test.conf:5:5: slots[0].instances: a slot needs at least one instance"},
      {"InstancesNotAList", slotWith(kOp + "    instances:\n      url: https://h\n"),
       "slots[0].instances: expected a list of instances, found a map"},
      {"InstanceNotAMap", slotWith(kOp + "    instances:\n      - https://h\n"),
       "test.conf:6:9: slots[0].instances[0]: expected a map"},
      {"UrlMissing", slotWith(kOp + "    instances:\n      - max_idle_connections: 2\n"),
       "slots[0].instances[0]: required key 'url' is missing"},
      {"UrlHttp", slotWith(kOp + "    instances:\n      - url: http://h:8080/api/v1\n"),
       "test.conf:6:9: slots[0].instances[0].url: http:// is not allowed: the NetHSM only "
       "speaks HTTPS"},
      {"UrlHttpUpperCase", slotWith(kOp + "    instances:\n      - url: HTTP://h/api/v1\n"),
       "slots[0].instances[0].url: http:// is not allowed"},
      {"UrlOtherScheme", slotWith(kOp + "    instances:\n      - url: ftp://h/\n"),
       "slots[0].instances[0].url: the url must start with https://"},
      {"UrlNoScheme", slotWith(kOp + "    instances:\n      - url: nethsm:8443\n"),
       "the url must start with https://"},
      {"UrlNoHost", slotWith(kOp + "    instances:\n      - url: https:///api/v1\n"),
       "slots[0].instances[0].url: the url has no host name"},
      {"UrlWithCredentials",
       slotWith(kOp + "    instances:\n      - url: https://op:pw@h/api/v1\n"),
       "slots[0].instances[0].url: credentials in the url are not allowed"},
      {"FingerprintShort",
       slotWith(kOp + "    instances:\n      - url: https://h/api/v1\n"
                      "        sha256_fingerprints: [\"AA:BB\"]\n"),
       "test.conf:7:31: slots[0].instances[0].sha256_fingerprints[0]: expected a SHA-256 "
       "fingerprint: 32 bytes as 64 hex digits"},
      {"FingerprintNotHex",
       slotWith(kOp +
                "    instances:\n      - url: https://h/api/v1\n"
                "        sha256_fingerprints:\n          - " +
                std::string(63, 'a') + "g\n"),
       "slots[0].instances[0].sha256_fingerprints[0]: expected a SHA-256 fingerprint"},
      {"FingerprintOddDigits",
       slotWith(kOp +
                "    instances:\n      - url: https://h/api/v1\n"
                "        sha256_fingerprints:\n          - " +
                std::string(65, 'a') + "\n"),
       "sha256_fingerprints[0]: expected a SHA-256 fingerprint"},
      {"FingerprintsNotAList",
       slotWith(kOp +
                "    instances:\n      - url: https://h/api/v1\n"
                "        sha256_fingerprints: " +
                std::string(64, 'a') + "\n"),
       "slots[0].instances[0].sha256_fingerprints: expected a list of fingerprints"},
      {"FingerprintIsAMap",
       slotWith(kOp + "    instances:\n      - url: https://h/api/v1\n"
                      "        sha256_fingerprints:\n          - {a: b}\n"),
       "sha256_fingerprints[0]: expected a string, found a map"},
      {"CaFileMissing",
       slotWith(kOp + "    instances:\n      - url: https://h/api/v1\n"
                      "        ca_file: /nonexistent/p11nethsm-ca.pem\n"),
       "test.conf:7:9: slots[0].instances[0].ca_file: cannot read ca_file "
       "'/nonexistent/p11nethsm-ca.pem': No such file or directory"},
      {"CaFileEmpty",
       slotWith(kOp + "    instances:\n      - url: https://h/api/v1\n        ca_file: \"\"\n"),
       "slots[0].instances[0].ca_file: ca_file is empty"},
      {"MaxIdleZero", minimalSlot("", "        max_idle_connections: 0\n"),
       "test.conf:7:9: slots[0].instances[0].max_idle_connections: expected a whole number "
       "from 1 to 1024"},
      {"MaxIdleNegative", minimalSlot("", "        max_idle_connections: -1\n"),
       "max_idle_connections: expected a whole number from 1 to 1024"},
      {"MaxIdleTooBig", minimalSlot("", "        max_idle_connections: 5000\n"),
       "max_idle_connections: expected a whole number from 1 to 1024"},
      {"MaxIdleText", minimalSlot("", "        max_idle_connections: ten\n"),
       "max_idle_connections: expected a whole number"},
      {"MaxConnectionsZero", minimalSlot("", "        max_connections: 0\n"),
       "test.conf:7:9: slots[0].instances[0].max_connections: expected a whole number "
       "from 1 to 1024"},
      {"MaxConnectionsTooBig", minimalSlot("", "        max_connections: 2000\n"),
       "max_connections: expected a whole number from 1 to 1024"},
      {"InsecureNotBool", minimalSlot("", "        danger_insecure_cert: maybe\n"),
       "slots[0].instances[0].danger_insecure_cert: expected true or false"},
      {"RetriesNotAMap", minimalSlot("    retries: 3\n"),
       "test.conf:7:5: slots[0].retries: expected a map of options, found a single value"},
      {"RetryCountNegative", minimalSlot("    retries:\n      count: -1\n"),
       "test.conf:8:7: slots[0].retries.count: expected a whole number from 0 to 100"},
      {"RetryCountTooBig", minimalSlot("    retries:\n      count: 101\n"),
       "slots[0].retries.count: expected a whole number from 0 to 100"},
      {"RetryDelayText", minimalSlot("    retries:\n      delay_seconds: soon\n"),
       "slots[0].retries.delay_seconds: expected a whole number from 0 to 86400"},
      {"KeepaliveTimeZero", minimalSlot("    tcp_keepalive:\n      time_seconds: 0\n"),
       "slots[0].tcp_keepalive.time_seconds: expected a whole number from 1 to 32767"},
      {"KeepaliveIntervalTooBig",
       minimalSlot("    tcp_keepalive:\n      interval_seconds: 40000\n"),
       "slots[0].tcp_keepalive.interval_seconds: expected a whole number from 1 to 32767"},
      {"KeepaliveRetriesTooBig", minimalSlot("    tcp_keepalive:\n      retries: 128\n"),
       "slots[0].tcp_keepalive.retries: expected a whole number from 1 to 127"},
      {"KeepaliveNotAMap", minimalSlot("    tcp_keepalive: true\n"),
       "slots[0].tcp_keepalive: expected a map of options"},
      {"MaxIdleDurationZero", minimalSlot("    connections_max_idle_duration: 0\n"),
       "slots[0].connections_max_idle_duration: expected a whole number from 1 up"},
      {"TimeoutZero", minimalSlot("    timeout_seconds: 0\n"),
       "test.conf:7:5: slots[0].timeout_seconds: expected a whole number from 1 to 86400"},
      {"TimeoutTooBig", minimalSlot("    timeout_seconds: 86401\n"),
       "slots[0].timeout_seconds: expected a whole number from 1 to 86400"},
      {"TimeoutFraction", minimalSlot("    timeout_seconds: 1.5\n"),
       "slots[0].timeout_seconds: expected a whole number"},
      {"ConnectTimeoutZero", minimalSlot("    connect_timeout_seconds: 0\n"),
       "slots[0].connect_timeout_seconds: expected a whole number from 1 to 86400"},
      {"CertificateFormatUnknown", minimalSlot("    certificate_format: CRT\n"),
       "slots[0].certificate_format: expected PEM or DER, found 'CRT'"},
      {"CacheRefreshNegative", minimalSlot("    cache_refresh_seconds: -5\n"),
       "slots[0].cache_refresh_seconds: expected a whole number from 0 up"},
      {"DescriptionIsAList", minimalSlot("    description: [a]\n"),
       "slots[0].description: expected a string, found a list"},
      {"LogLevelUnknown", "log_level: verbose\n" + minimalSlot(),
       "test.conf:1:1: log_level: unknown log level 'verbose' (use Trace, Debug, Info, Warn, "
       "Error or Off)"},
      {"LogFileEmpty", "log_file: \"\"\n" + minimalSlot(),
       "test.conf:1:1: log_file: the value is empty"},
      {"SyslogSocketEmpty", "syslog_socket: ''\n" + minimalSlot(),
       "syslog_socket: the value is empty"},
      {"SyslogUdpNotAMap", "syslog_udp: 127.0.0.1:514\n" + minimalSlot(),
       "syslog_udp: expected a map of options"},
      {"SyslogUdpNoTo", "syslog_udp:\n  from_addr: 127.0.0.1:1\n" + minimalSlot(),
       "test.conf:1:1: syslog_udp: required key 'to_addr' is missing"},
      {"SyslogUdpToNoPort", "syslog_udp:\n  to_addr: 127.0.0.1\n" + minimalSlot(),
       "test.conf:2:3: syslog_udp.to_addr: expected host:port"},
      {"SyslogUdpToPortZero", "syslog_udp:\n  to_addr: 127.0.0.1:0\n" + minimalSlot(),
       "syslog_udp.to_addr: expected host:port"},
      {"SyslogUdpToPortTooBig", "syslog_udp:\n  to_addr: 127.0.0.1:70000\n" + minimalSlot(),
       "syslog_udp.to_addr: expected host:port"},
      {"SyslogUdpFromBad",
       "syslog_udp:\n  to_addr: 127.0.0.1:514\n  from_addr: x:y\n" + minimalSlot(),
       "test.conf:3:3: syslog_udp.from_addr: expected host:port"},
      {"SyslogTcpNoPort", "syslog_tcp: localhost\n" + minimalSlot(),
       "syslog_tcp: expected host:port"},
      {"SyslogTcpBareIpv6", "syslog_tcp: \"::1:601\"\n" + minimalSlot(),
       "syslog_tcp: expected host:port (IPv6 as [address]:port)"},
      {"SyslogHostnameEmpty", "syslog_hostname: ''\n" + minimalSlot(),
       "syslog_hostname: the value is empty"},
      {"SyslogProcessIsAMap", "syslog_process: {a: b}\n" + minimalSlot(),
       "syslog_process: expected a string, found a map"},
      {"SyslogPidText", "syslog_pid: me\n" + minimalSlot(),
       "test.conf:1:1: syslog_pid: expected a whole number"},
      {"SyslogFacilityIsAList", "syslog_facility: [user]\n" + minimalSlot(),
       "syslog_facility: expected a string, found a list"},
      {"SetAttributeValueNotBool", "enable_set_attribute_value: sure\n" + minimalSlot(),
       "test.conf:1:1: enable_set_attribute_value: expected true or false"},
      {"DisableThreadsIsAMap", "disable_threads: {a: 1}\n" + minimalSlot(),
       "disable_threads: expected true or false, found a map"},
      {"DisableThreadPoolNotBool", "disable_thread_pool: 2\n" + minimalSlot(),
       "disable_thread_pool: expected true or false"},
  };
}

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class ConfigError : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigError, NamesFileLineAndKey) {
  const BadCase& c = GetParam();
  std::string message = mustFail(c.yaml);
  EXPECT_NE(message.find(c.expected), std::string::npos)
      << "message: " << message << "\nexpected to contain: " << c.expected;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

INSTANTIATE_TEST_SUITE_P(AllPaths, ConfigError, ::testing::ValuesIn(badCases()),
                         [](const auto& info) { return std::string(info.param.name); });

// Secrets never reach a message, whatever is wrong around them.
TEST(ConfigErrorSecrets, PasswordsAreNeverEchoed) {
  const std::string secret = "Sup3rS3cret!";
  for (const std::string& yaml : {
           slotWith("    operator:\n      username: op\n      password: [" + secret + "]\n" +
                    kInst),
           slotWith(kOp + "    instances:\n      - url: https://op:" + secret + "@h/api/v1\n"),
           slotWith("    operator:\n      username: op\n      password: " + secret +
                    "\n      pasword: " + secret + "\n" + kInst + "    timeout_seconds: x\n"),
       }) {
    auto cfg = parseConfig(yaml, "test.conf");
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.error().message.find(secret), std::string::npos) << cfg.error().message;
  }
  testing::ScopedEnv env("P11NETHSM_TEST_SECRET", secret);
  auto ok = parseConfig(slotWith("    operator:\n      username: op\n      password: "
                                 "env:P11NETHSM_TEST_SECRET\n      passwd: x\n" +
                                 kInst),
                        "test.conf");
  ASSERT_TRUE(ok.ok());
  for (const auto& d : ok->diagnostics) EXPECT_EQ(d.message.find(secret), std::string::npos);
}

}  // namespace
}  // namespace p11nethsm::config
