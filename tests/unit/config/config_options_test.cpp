// Every option of the format (seed 004, competitor.md §2, issue 4 §1) read into the
// structs, with its default when absent.
#include <gtest/gtest.h>

#include "unit/config/config_test_util.hpp"
#include "unit/config/test_files.hpp"

namespace p11nethsm::config {
namespace {

using testing::findDiagnostic;
using testing::minimalSlot;
using testing::mustParse;
using testing::warningCount;

TEST(ConfigOptions, DefaultsOfAMinimalSlot) {
  Config cfg = mustParse(minimalSlot());
  EXPECT_FALSE(cfg.enableSetAttributeValue);
  EXPECT_FALSE(cfg.disableThreads);
  EXPECT_FALSE(cfg.disableThreadPool);
  EXPECT_FALSE(cfg.log.level);
  EXPECT_FALSE(cfg.log.file);
  EXPECT_FALSE(cfg.log.syslogSocket);
  EXPECT_FALSE(cfg.log.syslogUdp);
  EXPECT_FALSE(cfg.log.syslogTcp);
  EXPECT_EQ(cfg.log.syslogFacility, "user");
  EXPECT_FALSE(cfg.log.syslogHostname);
  EXPECT_FALSE(cfg.log.syslogProcess);
  EXPECT_FALSE(cfg.log.syslogPid);
  ASSERT_EQ(cfg.slots.size(), 1u);
  const SlotConfig& slot = cfg.slots[0];
  EXPECT_EQ(slot.label, "LocalHSM");
  EXPECT_FALSE(slot.description);
  ASSERT_TRUE(slot.operatorUser);
  EXPECT_EQ(slot.operatorUser->username, "operator");
  EXPECT_FALSE(slot.operatorUser->password);
  EXPECT_FALSE(slot.administrator);
  ASSERT_EQ(slot.instances.size(), 1u);
  EXPECT_EQ(slot.instances[0].url, "https://127.0.0.1:8443/api/v1");
  EXPECT_FALSE(slot.instances[0].maxIdleConnections);
  EXPECT_EQ(slot.instances[0].maxConnections, 64u);
  EXPECT_TRUE(slot.instances[0].sha256Fingerprints.empty());
  EXPECT_FALSE(slot.instances[0].dangerInsecureCert);
  EXPECT_FALSE(slot.instances[0].caFile);
  EXPECT_EQ(slot.retries.count, 0u);
  EXPECT_EQ(slot.retries.delaySeconds, 0u);
  EXPECT_FALSE(slot.tcpKeepalive);
  EXPECT_FALSE(slot.connectionsMaxIdleSeconds);
  EXPECT_EQ(slot.timeoutSeconds, kDefaultTimeoutSeconds);
  EXPECT_EQ(slot.connectTimeoutSeconds, kDefaultConnectTimeoutSeconds);
  EXPECT_EQ(slot.certificateFormat, CertificateFormat::kPem);
  EXPECT_EQ(slot.cacheRefreshSeconds, kDefaultCacheRefreshSeconds);
  EXPECT_EQ(slot.sourceFile, "test.conf");
  EXPECT_EQ(cfg.sourceFiles, std::vector<std::string>{"test.conf"});
  EXPECT_TRUE(cfg.diagnostics.empty());
}

TEST(ConfigOptions, ModuleSwitches) {
  Config cfg = mustParse(
      "enable_set_attribute_value: true\ndisable_threads: yes\n"
      "disable_thread_pool: on\n" +
      minimalSlot());
  EXPECT_TRUE(cfg.enableSetAttributeValue);
  EXPECT_TRUE(cfg.disableThreads);
  EXPECT_TRUE(cfg.disableThreadPool);
  Config off = mustParse("disable_threads: false\n" + minimalSlot());
  EXPECT_FALSE(off.disableThreads);
}

TEST(ConfigOptions, LogLevelNamesInAnyCase) {
  const std::pair<const char*, LogLevel> cases[] = {
      {"Trace", LogLevel::kTrace}, {"DEBUG", LogLevel::kDebug},  {"info", LogLevel::kInfo},
      {"Warn", LogLevel::kWarn},   {"warning", LogLevel::kWarn}, {"Error", LogLevel::kError},
      {"off", LogLevel::kOff}};
  for (const auto& [name, level] : cases) {
    Config cfg = mustParse(std::string("log_level: ") + name + "\n" + minimalSlot());
    EXPECT_EQ(cfg.log.level, level) << name;
  }
}

TEST(ConfigOptions, LogSinksAndSyslogIdentity) {
  Config cfg = mustParse(
      "log_file: /tmp/p11.log\n"
      "syslog_udp:\n  to_addr: 127.0.0.1:514\n  from_addr: 127.0.0.1:4789\n"
      "syslog_facility: LOCAL3\n"
      "syslog_hostname: hsm-client\n"
      "syslog_process: NetHSM Pkcs11\n"
      "syslog_pid: 42\n" +
      minimalSlot());
  EXPECT_EQ(cfg.log.file, "/tmp/p11.log");
  ASSERT_TRUE(cfg.log.syslogUdp);
  EXPECT_EQ(cfg.log.syslogUdp->toAddr, "127.0.0.1:514");
  EXPECT_EQ(cfg.log.syslogUdp->fromAddr, "127.0.0.1:4789");
  EXPECT_EQ(cfg.log.syslogFacility, "local3");
  EXPECT_EQ(cfg.log.syslogHostname, "hsm-client");
  EXPECT_EQ(cfg.log.syslogProcess, "NetHSM Pkcs11");
  EXPECT_EQ(cfg.log.syslogPid, 42);
  EXPECT_EQ(warningCount(cfg), 0u);
}

TEST(ConfigOptions, SyslogSocketTcpAndStderrFile) {
  Config socket = mustParse("syslog_socket: /var/nethsm/log\nlog_file: \"-\"\n" + minimalSlot());
  EXPECT_EQ(socket.log.syslogSocket, "/var/nethsm/log");
  EXPECT_EQ(socket.log.file, "-");
  Config tcp = mustParse("syslog_tcp: \"[::1]:601\"\n" + minimalSlot());
  EXPECT_EQ(tcp.log.syslogTcp, "[::1]:601");
  Config udpNoFrom = mustParse("syslog_udp:\n  to_addr: localhost:514\n" + minimalSlot());
  ASSERT_TRUE(udpNoFrom.log.syslogUdp);
  EXPECT_EQ(udpNoFrom.log.syslogUdp->fromAddr, "");
}

TEST(ConfigOptions, EverySyslogFacilityName) {
  for (const char* name : {"kern",   "user",   "mail",   "daemon",   "auth",   "syslog", "lpr",
                           "news",   "uucp",   "cron",   "authpriv", "ftp",    "local0", "local1",
                           "local2", "local3", "local4", "local5",   "local6", "local7"}) {
    Config cfg = mustParse(std::string("syslog_facility: ") + name + "\n" + minimalSlot());
    EXPECT_EQ(cfg.log.syslogFacility, name);
    EXPECT_EQ(warningCount(cfg), 0u) << name;
  }
}

TEST(ConfigOptions, UnknownFacilityFallsBackToUserWithWarning) {
  Config cfg = mustParse("syslog_facility: local9\n" + minimalSlot());
  EXPECT_EQ(cfg.log.syslogFacility, "user");
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn,
                           "test.conf:1:1: syslog_facility: unknown "
                           "syslog facility 'local9'; using 'user'"),
            "");
}

TEST(ConfigOptions, SeveralSyslogSinksWarnAndNameTheIgnoredOne) {
  Config cfg = mustParse("syslog_socket: /dev/log\nsyslog_tcp: 127.0.0.1:601\n" + minimalSlot());
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn,
                           "test.conf:2:1: syslog_tcp: only one of syslog_socket, syslog_udp, "
                           "syslog_tcp can be used; syslog_tcp is ignored in favour of "
                           "syslog_socket"),
            "");
  Config host = mustParse("syslog_hostname: h\n" + minimalSlot());
  EXPECT_NE(findDiagnostic(host, LogLevel::kInfo, "only sent with syslog_udp or syslog_tcp"), "");
}

TEST(ConfigOptions, SlotDescriptionAndUsers) {
  Config cfg = mustParse(
      "slots:\n"
      "  - label: Cluster\n"
      "    description: Local HSM (docker)\n"
      "    operator:\n      username: ns1~operator\n      password: localpass\n"
      "    administrator:\n      username: admin\n      password: \"\"\n"
      "    instances:\n      - url: https://127.0.0.1:8443/api/v1\n");
  const SlotConfig& slot = cfg.slots.at(0);
  EXPECT_EQ(slot.description, "Local HSM (docker)");
  ASSERT_TRUE(slot.operatorUser && slot.operatorUser->password);
  EXPECT_EQ(slot.operatorUser->username, "ns1~operator");
  EXPECT_EQ(slot.operatorUser->password->reveal(), "localpass");
  ASSERT_TRUE(slot.administrator);
  EXPECT_EQ(slot.administrator->username, "admin");
  EXPECT_FALSE(slot.administrator->password) << "empty password: comes from C_Login";
}

TEST(ConfigOptions, AdministratorOnlyAndNullPassword) {
  Config cfg = mustParse(
      "slots:\n  - label: A\n    administrator:\n      username: admin\n      password:\n"
      "    instances:\n      - url: https://h:8443/api/v1\n");
  ASSERT_TRUE(cfg.slots.at(0).administrator);
  EXPECT_FALSE(cfg.slots[0].administrator->password);
  EXPECT_FALSE(cfg.slots[0].operatorUser);
}

TEST(ConfigOptions, EnvPasswords) {
  testing::ScopedEnv set("P11NETHSM_TEST_PASS", "from-env");
  testing::ScopedEnv empty("P11NETHSM_TEST_EMPTY", "");
  Config cfg = mustParse(
      "slots:\n  - label: A\n"
      "    operator:\n      username: op\n      password: env:P11NETHSM_TEST_PASS\n"
      "    administrator:\n      username: admin\n      password: env:P11NETHSM_TEST_EMPTY\n"
      "    instances:\n      - url: https://h:8443/api/v1\n");
  ASSERT_TRUE(cfg.slots.at(0).operatorUser->password);
  EXPECT_EQ(cfg.slots[0].operatorUser->password->reveal(), "from-env");
  EXPECT_FALSE(cfg.slots[0].administrator->password) << "set but empty = from C_Login";
}

TEST(ConfigOptions, InstanceOptions) {
  const std::string fp =
      "31:92:8E:A4:5E:16:5C:A7:33:44:E8:E9:8E:64:C4:AE:7B:2A:57:E5:77:43:"
      "49:F3:69:C9:8F:C4:2F:3A:3B:6E";
  Config cfg = mustParse(
      minimalSlot(
          "",
          "        max_idle_connections: 10\n"
          "        max_connections: 8\n"
          "        sha256_fingerprints:\n"
          "          - \"" +
              fp +
              "\"\n"
              "          - 31928ea45e165ca73344e8e98e64c4ae7b2a57e5774349f369c98fc42f3a3b6f\n") +
      "      - url: https://second.example:8443/api/v1/\n"
      "        danger_insecure_cert: true\n");
  const auto& inst = cfg.slots.at(0).instances;
  ASSERT_EQ(inst.size(), 2u);
  EXPECT_EQ(inst[0].maxIdleConnections, 10u);
  EXPECT_EQ(inst[0].maxConnections, 8u);
  EXPECT_EQ(inst[1].maxConnections, kDefaultMaxConnections);
  ASSERT_EQ(inst[0].sha256Fingerprints.size(), 2u);
  EXPECT_EQ(inst[0].sha256Fingerprints[0][0], 0x31);
  EXPECT_EQ(inst[0].sha256Fingerprints[0][31], 0x6E);
  EXPECT_EQ(inst[0].sha256Fingerprints[1][31], 0x6F);
  EXPECT_EQ(inst[1].url, "https://second.example:8443/api/v1") << "trailing slash stripped";
  EXPECT_TRUE(inst[1].dangerInsecureCert);
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn, "slots[0].instances[1]: danger_insecure_cert"),
            "");
}

TEST(ConfigOptions, CaFileAbsoluteAndRelativeToTheConfigFile) {
  testing::TempDir dir;
  std::string ca = dir.write("ca/private-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  Config absolute = mustParse(minimalSlot("", "        ca_file: " + ca + "\n"));
  EXPECT_EQ(absolute.slots.at(0).instances.at(0).caFile, ca);

  std::string file =
      dir.write("p11nethsm.conf", minimalSlot("", "        ca_file: ca/private-ca.pem\n"));
  auto relative = loadConfig(ConfigSources{{}, file});
  ASSERT_TRUE(relative.ok()) << relative.error().message;
  EXPECT_EQ(relative->slots.at(0).instances.at(0).caFile, dir.path() + "/ca/private-ca.pem");
}

TEST(ConfigOptions, TrustOptionsThatOverrideEachOtherWarn) {
  testing::TempDir dir;
  std::string ca = dir.write("ca.pem", "x");
  Config cfg = mustParse(minimalSlot("", "        ca_file: " + ca +
                                             "\n"
                                             "        sha256_fingerprints: [\"" +
                                             std::string(64, 'a') + "\"]\n"));
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn, "ca_file is ignored"), "");
}

TEST(ConfigOptions, SlotNetworkOptions) {
  Config cfg = mustParse(
      minimalSlot("    retries:\n      count: 3\n      delay_seconds: 1\n"
                  "    tcp_keepalive:\n      time_seconds: 300\n      interval_seconds: 20\n"
                  "      retries: 5\n"
                  "    connections_max_idle_duration: 1800\n"
                  "    timeout_seconds: 12\n"
                  "    connect_timeout_seconds: 4\n"
                  "    certificate_format: der\n"
                  "    cache_refresh_seconds: 0\n"));
  const SlotConfig& slot = cfg.slots.at(0);
  EXPECT_EQ(slot.retries.count, 3u);
  EXPECT_EQ(slot.retries.delaySeconds, 1u);
  ASSERT_TRUE(slot.tcpKeepalive);
  EXPECT_EQ(slot.tcpKeepalive->timeSeconds, 300u);
  EXPECT_EQ(slot.tcpKeepalive->intervalSeconds, 20u);
  EXPECT_EQ(slot.tcpKeepalive->retries, 5u);
  EXPECT_EQ(slot.connectionsMaxIdleSeconds, 1800u);
  EXPECT_EQ(slot.timeoutSeconds, 12u);
  EXPECT_EQ(slot.connectTimeoutSeconds, 4u);
  EXPECT_EQ(slot.certificateFormat, CertificateFormat::kDer);
  EXPECT_EQ(slot.cacheRefreshSeconds, 0u);
  EXPECT_EQ(warningCount(cfg), 0u);
}

TEST(ConfigOptions, PartialKeepaliveAndRetriesTakeDefaults) {
  Config cfg =
      mustParse(minimalSlot("    tcp_keepalive:\n      interval_seconds: 7\n"
                            "    retries:\n      count: 2\n"
                            "    certificate_format: PEM\n"));
  const SlotConfig& slot = cfg.slots.at(0);
  ASSERT_TRUE(slot.tcpKeepalive);
  EXPECT_EQ(slot.tcpKeepalive->timeSeconds, 600u);
  EXPECT_EQ(slot.tcpKeepalive->intervalSeconds, 7u);
  EXPECT_EQ(slot.tcpKeepalive->retries, 3u);
  EXPECT_EQ(slot.retries.count, 2u);
  EXPECT_EQ(slot.retries.delaySeconds, 0u);
  EXPECT_EQ(slot.certificateFormat, CertificateFormat::kPem);
}

TEST(ConfigOptions, ConnectTimeoutAboveTotalTimeoutWarns) {
  Config cfg = mustParse(minimalSlot("    timeout_seconds: 5\n    connect_timeout_seconds: 9\n"));
  EXPECT_EQ(cfg.slots.at(0).connectTimeoutSeconds, 9u);
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn, "connect_timeout_seconds is larger"), "");
}

// Issue 9: a short timeout_seconds alone bounds the default connect timeout too;
// warning about an option the user never wrote only confuses.
TEST(ConfigOptions, ShortTimeoutAloneDoesNotWarnAboutTheDefaultConnectTimeout) {
  Config cfg = mustParse(minimalSlot("    timeout_seconds: 5\n"));
  EXPECT_EQ(cfg.slots.at(0).timeoutSeconds, 5u);
  EXPECT_EQ(findDiagnostic(cfg, LogLevel::kWarn, "connect_timeout_seconds"), "");
  EXPECT_EQ(warningCount(cfg), 0u);
}

TEST(ConfigOptions, LabelOfExactly32BytesIsAccepted) {
  std::string label(32, 'L');
  Config cfg = mustParse("slots:\n  - label: " + label +
                         "\n    operator: {username: op}\n"
                         "    instances: [{url: \"https://h/api/v1\"}]\n");
  EXPECT_EQ(cfg.slots.at(0).label, label);
}

TEST(ConfigOptions, UnknownKeysWarnWithTheNearestKnownKey) {
  Config cfg = mustParse("log_levle: Debug\n" + minimalSlot("    timout_seconds: 5\n",
                                                            "        max_idle_conections: 3\n"));
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn,
                           "test.conf:1:1: log_levle: unknown key 'log_levle' ignored "
                           "(did you mean 'log_level'?)"),
            "");
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn,
                           "slots[0].instances[0].max_idle_conections: unknown key "
                           "'max_idle_conections' ignored (did you mean 'max_idle_connections'?)"),
            "");
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn,
                           "test.conf:9:5: slots[0].timout_seconds: unknown key 'timout_seconds' "
                           "ignored (did you mean 'timeout_seconds'?)"),
            "");
  EXPECT_EQ(cfg.slots.at(0).timeoutSeconds, kDefaultTimeoutSeconds) << "typo not applied";
  EXPECT_FALSE(cfg.log.level);
}

TEST(ConfigOptions, NullValuesCountAsAbsent) {
  Config cfg =
      mustParse("log_file:\nsyslog_facility:\n" + minimalSlot("    description:\n    retries:\n"));
  EXPECT_FALSE(cfg.log.file);
  EXPECT_EQ(cfg.log.syslogFacility, "user");
  EXPECT_FALSE(cfg.slots.at(0).description);
}

TEST(ConfigOptions, UrlWithoutPathWarnsAboutApiV1) {
  Config cfg = mustParse(
      "slots:\n  - label: A\n    operator: {username: op}\n"
      "    instances:\n      - url: https://nethsm.local:8443/\n");
  EXPECT_EQ(cfg.slots.at(0).instances.at(0).url, "https://nethsm.local:8443");
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn, "the NetHSM API lives under /api/v1"), "");
}

TEST(ConfigOptions, DuplicateLabelsWarn) {
  std::string slot =
      "  - label: Same\n    operator: {username: op}\n"
      "    instances: [{url: \"https://h/api/v1\"}]\n";
  Config cfg = mustParse("slots:\n" + slot + slot);
  EXPECT_EQ(cfg.slots.size(), 2u);
  EXPECT_NE(findDiagnostic(cfg, LogLevel::kWarn, "slots[1]: another slot is also labelled 'Same'"),
            "");
}

TEST(ConfigOptions, ParseLogLevelRejectsUnknownNames) {
  EXPECT_EQ(parseLogLevel("TRACE"), LogLevel::kTrace);
  EXPECT_FALSE(parseLogLevel("verbose"));
  EXPECT_FALSE(parseLogLevel(""));
}

}  // namespace
}  // namespace p11nethsm::config
