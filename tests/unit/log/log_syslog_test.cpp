// Syslog sinks against real receivers: a unix datagram/stream socket in a temp folder,
// UDP and TCP on 127.0.0.1 (issue 4 §2, seed 004 syslog_* options).
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "unit/log/log_test_util.hpp"

namespace p11nethsm::log {
namespace {

using testing::bindLoopback;
using testing::bindUnix;
using testing::receiveDatagram;

class LogSyslog : public testing::LogTest {
 protected:
  // A datagram receiver at <temp>/log.sock and a configuration that logs to it.
  config::LogConfig unixSocketConfig() {
    socketPath_ = dir_.file("log.sock");
    receiver_ = bindUnix(socketPath_, SOCK_DGRAM);
    config::LogConfig cfg;
    cfg.syslogSocket = socketPath_;
    return cfg;
  }
  // A loopback port with nobody listening (bound once, then released).
  static uint16_t freeLoopbackPort(int type) {
    testing::Fd probe = bindLoopback(type);
    return testing::localPort(probe.get());
  }
  std::string socketPath_;
  testing::Fd receiver_;
};

// user.warn = 1*8+4 = <12>; the RFC 3164 line glibc's syslog(3) would write.
TEST_F(LogSyslog, UnixDatagramSocketGetsRfc3164Lines) {
  config::LogConfig cfg = unixSocketConfig();
  cfg.syslogProcess = "p11test";
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"syslog-unix:" + socketPath_});
  warn("over the socket");
  auto line = receiveDatagram(receiver_.get());
  ASSERT_TRUE(line);
  std::regex format(
      R"(^<12>[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d p11test\[(\d+)\]: over the socket$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(*line, match, format)) << *line;
  EXPECT_EQ(std::stoi(match[1]), ::getpid());
  info("below the level");
  EXPECT_FALSE(receiveDatagram(receiver_.get(), 200));
}

TEST_F(LogSyslog, FacilityProcessAndPidAreHonoured) {
  config::LogConfig cfg = unixSocketConfig();
  cfg.syslogFacility = "local3";
  cfg.syslogProcess = "NetHSM Pkcs11";
  cfg.syslogPid = 4242;
  cfg.level = Level::kDebug;
  configure(cfg, {});
  error("e");
  debug("d");
  info("i");
  EXPECT_EQ(receiveDatagram(receiver_.get())->substr(0, 5), "<155>");  // 19*8+3
  EXPECT_EQ(receiveDatagram(receiver_.get())->substr(0, 5), "<159>");  // 19*8+7
  auto infoLine = receiveDatagram(receiver_.get());
  ASSERT_TRUE(infoLine);
  EXPECT_EQ(infoLine->substr(0, 5), "<158>");  // 19*8+6
  EXPECT_NE(infoLine->find(" NetHSM Pkcs11[4242]: i"), std::string::npos) << *infoLine;
}

TEST_F(LogSyslog, UnknownFacilityFallsBackToUserWithAWarning) {
  config::LogConfig cfg = unixSocketConfig();
  cfg.syslogFacility = "nonsense";
  configure(cfg, {});
  auto line = receiveDatagram(receiver_.get());
  ASSERT_TRUE(line);
  EXPECT_EQ(line->substr(0, 4), "<12>");
  EXPECT_NE(line->find("unknown syslog facility 'nonsense'; using 'user'"), std::string::npos);
}

TEST_F(LogSyslog, UnixSocketReceiverRestartIsSurvived) {
  configure(unixSocketConfig(), {});
  warn("before restart");
  ASSERT_TRUE(receiveDatagram(receiver_.get()));
  receiver_.reset();  // the daemon goes away and comes back with a new socket
  receiver_ = bindUnix(socketPath_, SOCK_DGRAM);
  warn("after restart");
  auto line = receiveDatagram(receiver_.get());
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("after restart"), std::string::npos);
}

TEST_F(LogSyslog, UnixStreamSocketIsUsedWhenDatagramIsRefused) {
  std::string path = dir_.file("stream.sock");
  testing::Fd listener = bindUnix(path, SOCK_STREAM);
  config::LogConfig cfg;
  cfg.syslogSocket = path;
  configure(cfg, {});
  testing::Fd conn = testing::acceptWithTimeout(listener.get());
  ASSERT_GE(conn.get(), 0);
  warn("one");
  warn("two");
  std::string received;
  while (testing::countOf(received, std::string(1, '\0')) < 2 &&
         testing::waitReadable(conn.get())) {
    char buffer[1024];
    ssize_t n = ::read(conn.get(), buffer, sizeof buffer);
    if (n <= 0) break;
    received.append(buffer, size_t(n));
  }
  EXPECT_NE(received.find(": one", 0), std::string::npos);
  EXPECT_NE(received.find(std::string(": one") + '\0' + "<12>"), std::string::npos);
  EXPECT_NE(received.find(std::string(": two") + '\0'), std::string::npos);
}

TEST_F(LogSyslog, MissingSocketIsRetriedLater) {
  std::string path = dir_.file("later.sock");
  config::LogConfig cfg;
  cfg.syslogSocket = path;
  cfg.file = dir_.file("module.log");
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), (std::vector<std::string>{"file:" + *cfg.file, "syslog-unix:" + path}));
  EXPECT_NE(testing::readFile(*cfg.file).find("will retry"), std::string::npos);
  receiver_ = bindUnix(path, SOCK_DGRAM);
  std::optional<std::string> line;
  for (int i = 0; i < 30 && !line; ++i) {  // reconnects at most once a second
    warn("eventually");
    line = receiveDatagram(receiver_.get(), 100);
  }
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("eventually"), std::string::npos);
}

TEST_F(LogSyslog, UdpGetsRfc5424FromTheConfiguredAddress) {
  receiver_ = bindLoopback(SOCK_DGRAM);
  uint16_t fromPort = freeLoopbackPort(SOCK_DGRAM);
  config::LogConfig cfg;
  cfg.syslogUdp =
      config::SyslogUdp{"127.0.0.1:" + std::to_string(testing::localPort(receiver_.get())),
                        "127.0.0.1:" + std::to_string(fromPort)};
  cfg.syslogHostname = "hsm-client";
  cfg.syslogProcess = "NetHSM Pkcs11";
  configure(cfg, {});
  error("udp line");
  sockaddr_in from{};
  auto line = receiveDatagram(receiver_.get(), testing::kReceiveTimeoutMs, &from);
  ASSERT_TRUE(line);
  EXPECT_EQ(ntohs(from.sin_port), fromPort);
  std::regex format(
      R"(^<11>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hsm-client NetHSM_Pkcs11 (\d+) - - udp line$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(*line, match, format)) << *line;
  EXPECT_EQ(std::stoi(match[1]), ::getpid());
}

TEST_F(LogSyslog, UdpWithoutReceiverDoesNotBlockOrFail) {
  uint16_t port = freeLoopbackPort(SOCK_DGRAM);
  config::LogConfig cfg;
  cfg.syslogUdp = config::SyslogUdp{"127.0.0.1:" + std::to_string(port), ""};
  configure(cfg, {});
  for (int i = 0; i < 100; ++i) warn("into the void");  // ICMP refusals are ignored
  receiver_ = bindLoopback(SOCK_DGRAM, port);
  warn("now heard");
  std::optional<std::string> line;
  for (int i = 0; i < 5 && !(line && line->find("now heard") != std::string::npos); ++i) {
    line = receiveDatagram(receiver_.get(), 500);
    if (!line) warn("now heard");
  }
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("now heard"), std::string::npos);
}

TEST_F(LogSyslog, TcpGetsOctetCountedRfc5424Frames) {
  testing::Fd listener = bindLoopback(SOCK_STREAM);
  config::LogConfig cfg;
  cfg.syslogTcp = "127.0.0.1:" + std::to_string(testing::localPort(listener.get()));
  cfg.syslogHostname = "tcp-host";
  cfg.syslogFacility = "auth";
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"syslog-tcp:" + *cfg.syslogTcp});
  testing::Fd conn = testing::acceptWithTimeout(listener.get());
  ASSERT_GE(conn.get(), 0);
  warn("first frame");
  warn("second frame with\nnewline");
  testing::FrameReader frames(conn.get());
  auto first = frames.next();
  auto second = frames.next();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->rfind("<36>1 ", 0), 0u) << *first;  // auth(4)*8 + warn(4)
  EXPECT_NE(first->find(" tcp-host "), std::string::npos);
  EXPECT_EQ(first->substr(first->size() - 13), "- first frame");
  EXPECT_EQ(second->substr(second->size() - 25), "second frame with newline");
}

TEST_F(LogSyslog, TcpReconnectsAfterTheReceiverDropsTheConnection) {
  testing::Fd listener = bindLoopback(SOCK_STREAM);
  config::LogConfig cfg;
  cfg.syslogTcp = "127.0.0.1:" + std::to_string(testing::localPort(listener.get()));
  configure(cfg, {});
  testing::Fd first = testing::acceptWithTimeout(listener.get());
  ASSERT_GE(first.get(), 0);
  first.reset();
  testing::Fd second;
  for (int i = 0; i < 50 && second.get() < 0; ++i) {  // writes notice the loss, then reconnect
    warn("lost or delivered");
    second = testing::acceptWithTimeout(listener.get(), 100);
  }
  ASSERT_GE(second.get(), 0);
  warn("after reconnect");
  testing::FrameReader frames(second.get());
  std::optional<std::string> frame;
  do {
    frame = frames.next();
  } while (frame && frame->find("after reconnect") == std::string::npos);
  ASSERT_TRUE(frame);
}

TEST_F(LogSyslog, TcpReceiverDownAtConfigureIsReportedNotFatal) {
  uint16_t port = freeLoopbackPort(SOCK_STREAM);
  config::LogConfig cfg;
  cfg.syslogTcp = "127.0.0.1:" + std::to_string(port);
  cfg.file = dir_.file("module.log");
  configure(cfg, {});
  EXPECT_EQ(activeSinks().size(), 2u);
  EXPECT_NE(testing::readFile(*cfg.file).find("syslog: cannot connect to syslog-tcp:127.0.0.1:"),
            std::string::npos);
  warn("still fine");
  EXPECT_NE(testing::readFile(*cfg.file).find("still fine"), std::string::npos);
}

TEST_F(LogSyslog, BadAddressLeavesNoSyslogSink) {
  // A DNS label over 63 bytes is refused by the resolver before any query is sent:
  // the test must not reach for a DNS server (tests talk to loopback only).
  const std::string badHost = std::string(64, 'a') + ".invalid";
  config::LogConfig cfg;
  cfg.syslogTcp.emplace(badHost + ":601");
  cfg.file = dir_.file("module.log");
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"file:" + *cfg.file});
  EXPECT_NE(testing::readFile(*cfg.file).find("syslog: cannot resolve '" + badHost + ":601'"),
            std::string::npos);
}

TEST_F(LogSyslog, SeveralSyslogOptionsUseTheSocketFirst) {
  config::LogConfig cfg = unixSocketConfig();
  cfg.syslogTcp = "127.0.0.1:9";
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"syslog-unix:" + socketPath_});
}

// Seed 004: with no sink option, syslog (first default socket that works) AND stderr.
TEST_F(LogSyslog, DefaultSinksAreTheFirstWorkingSocketAndStderr) {
  std::string path = dir_.file("dev-log");
  receiver_ = bindUnix(path, SOCK_DGRAM);
  std::vector<std::string> defaults{dir_.file("missing-1"), path, dir_.file("missing-2")};
  testing::StderrCapture capture(dir_);
  configure(config::LogConfig{}, defaults);
  EXPECT_EQ(activeSinks(), (std::vector<std::string>{"syslog-unix:" + path, "stderr"}));
  EXPECT_EQ(currentLevel(), Level::kWarn);
  warn("to both");
  info("to neither");
  auto line = receiveDatagram(receiver_.get());
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("to both"), std::string::npos);
  shutdown();
  std::string text = capture.text();
  EXPECT_NE(text.find("to both"), std::string::npos);
  EXPECT_EQ(text.find("to neither"), std::string::npos);
}

TEST_F(LogSyslog, DefaultWithoutAnySocketIsStderrOnly) {
  testing::StderrCapture capture(dir_);
  configure(config::LogConfig{}, std::vector<std::string>{dir_.file("none")});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"stderr"});
  shutdown();
  EXPECT_EQ(capture.text(), "") << "a missing default socket is not worth a warning";
}

TEST(LogHelpers, FacilityCodes) {
  EXPECT_EQ(syslogFacilityCode("kern"), 0);
  EXPECT_EQ(syslogFacilityCode("user"), 1);
  EXPECT_EQ(syslogFacilityCode("authpriv"), 10);
  EXPECT_EQ(syslogFacilityCode("ftp"), 11);
  EXPECT_EQ(syslogFacilityCode("local0"), 16);
  EXPECT_EQ(syslogFacilityCode("local7"), 23);
  EXPECT_FALSE(syslogFacilityCode("local8"));
  EXPECT_FALSE(syslogFacilityCode("USER")) << "config lower-cases; the table is exact";
}

TEST(LogHelpers, HostPortParsing) {
  auto v4 = parseHostPort("127.0.0.1:514");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 514);
  auto v6 = parseHostPort("[::1]:601");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 601);
  EXPECT_EQ(parseHostPort("localhost:0")->port, 0);
  for (const char* bad : {"", "host", ":514", "host:", "host:65536", "host:-1", "::1:514", "[::1]",
                          "[::1]514", "host:5a"}) {
    EXPECT_FALSE(parseHostPort(bad)) << bad;
  }
}

}  // namespace
}  // namespace p11nethsm::log
