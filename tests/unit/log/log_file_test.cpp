// Levels, the log_file sink (file or "-" = stderr), the environment override, the
// messages kept before configure(), thread safety and fork (issue 4 §2).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <regex>
#include <thread>

#include "unit/log/log_test_util.hpp"

namespace p11nethsm::log {
namespace {

using testing::countOf;
using testing::readFile;

class LogFile : public testing::LogTest {
 protected:
  config::LogConfig fileConfig(std::optional<Level> level = std::nullopt) {
    config::LogConfig cfg;
    cfg.file = dir_.file("module.log");
    cfg.level = level;
    return cfg;
  }
  std::string logged() { return readFile(dir_.file("module.log")); }
};

TEST_F(LogFile, DefaultLevelIsWarn) {
  configure(fileConfig(), {});
  EXPECT_EQ(currentLevel(), Level::kWarn);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kWarn));
  info("an info line");
  warn("a warning line");
  error("an error line");
  std::string text = logged();
  EXPECT_EQ(text.find("an info line"), std::string::npos);
  EXPECT_NE(text.find(" WARN p11nethsm["), std::string::npos);
  EXPECT_NE(text.find("a warning line"), std::string::npos);
  EXPECT_NE(text.find(" ERROR p11nethsm["), std::string::npos);
}

TEST_F(LogFile, LineFormatNamesTimeLevelPidAndThread) {
  configure(fileConfig(Level::kTrace), {});
  trace("hello trace");
  std::regex line(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z TRACE p11nethsm\[(\d+)/\d+\]: hello trace\n$)");
  std::smatch match;
  std::string text = logged();
  ASSERT_TRUE(std::regex_match(text, match, line)) << text;
  EXPECT_EQ(std::stoi(match[1]), ::getpid());
}

TEST_F(LogFile, EachLevelFiltersTheOnesBelow) {
  const Level levels[] = {Level::kTrace, Level::kDebug, Level::kInfo,
                          Level::kWarn,  Level::kError, Level::kOff};
  for (Level configured : levels) {
    configure(fileConfig(configured), {});
    for (Level l : levels) {
      if (l == Level::kOff) continue;
      EXPECT_EQ(enabled(l), l >= configured) << int(configured) << " " << int(l);
    }
    EXPECT_FALSE(enabled(Level::kOff));
  }
  configure(fileConfig(Level::kOff), {});
  error("must not appear");
  EXPECT_EQ(logged().find("must not appear"), std::string::npos);
}

TEST_F(LogFile, AppendsAndCreatesPrivateFile) {
  std::string path = dir_.write("module.log", "earlier content\n");
  configure(fileConfig(), {});
  warn("new line");
  shutdown();
  std::string text = logged();
  EXPECT_EQ(text.rfind("earlier content\n", 0), 0u);
  EXPECT_NE(text.find("new line"), std::string::npos);

  config::LogConfig fresh;
  fresh.file = dir_.file("fresh.log");
  configure(fresh, {});
  warn("x");
  struct stat st {};
  ASSERT_EQ(::stat(fresh.file->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"file:" + *fresh.file});
}

TEST_F(LogFile, DashMeansStderr) {
  config::LogConfig cfg;
  cfg.file = "-";
  testing::StderrCapture capture(dir_);
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"stderr"});
  warn("to stderr");
  shutdown();
  EXPECT_NE(capture.text().find("WARN p11nethsm["), std::string::npos);
}

TEST_F(LogFile, UnwritableFileFallsBackToStderrWithAWarning) {
  config::LogConfig cfg;
  cfg.file = dir_.file("no/such/dir/module.log");
  testing::StderrCapture capture(dir_);
  configure(cfg, {});
  EXPECT_EQ(activeSinks(), std::vector<std::string>{"stderr"});
  shutdown();
  std::string text = capture.text();
  EXPECT_NE(text.find("cannot open log_file '" + *cfg.file + "'"), std::string::npos) << text;
  EXPECT_NE(text.find("logging to stderr instead"), std::string::npos);
}

TEST_F(LogFile, EnvironmentVariableOverridesTheFileLevel) {
  {
    testing::ScopedEnv env(kLevelEnvVar, "TRACE");
    configure(fileConfig(Level::kError), {});
    EXPECT_EQ(currentLevel(), Level::kTrace);
    debug("debug for support");
  }
  EXPECT_NE(logged().find("debug for support"), std::string::npos);
  {
    testing::ScopedEnv env(kLevelEnvVar, "loud");
    configure(fileConfig(Level::kInfo), {});
    EXPECT_EQ(currentLevel(), Level::kInfo);
  }
  EXPECT_NE(logged().find("ignoring P11NETHSM_LOG_LEVEL: unknown level 'loud'"), std::string::npos);
}

TEST_F(LogFile, MessagesBeforeConfigureAreReplayedAtTheConfiguredLevel) {
  testing::StderrCapture capture(dir_);
  EXPECT_TRUE(enabled(Level::kDebug)) << "kept before configure";
  EXPECT_FALSE(enabled(Level::kTrace));
  debug("early debug");
  warn("early warning");
  error("early error");
  std::string beforeConfigure = readFile(dir_.file("stderr.txt"));
  EXPECT_NE(beforeConfigure.find("early error"), std::string::npos) << "errors at once";
  EXPECT_EQ(beforeConfigure.find("early warning"), std::string::npos);
  configure(fileConfig(Level::kInfo), {});
  std::string text = logged();
  EXPECT_EQ(text.find("early debug"), std::string::npos);
  EXPECT_NE(text.find("early warning"), std::string::npos);
  EXPECT_NE(text.find("early error"), std::string::npos);
  warn("later");
  EXPECT_EQ(countOf(logged(), "early warning"), 1u) << "replayed once";
  shutdown();
  EXPECT_EQ(countOf(capture.text(), "early error"), 1u);
}

TEST_F(LogFile, KeptMessagesAreBounded) {
  for (size_t i = 0; i < kPendingLimit + 50; ++i) warn("kept " + std::to_string(i));
  configure(fileConfig(), {});
  EXPECT_EQ(countOf(logged(), "kept "), kPendingLimit);
}

TEST_F(LogFile, ShutdownDropsKeptMessagesAndReconfigureWorks) {
  warn("stale");
  shutdown();
  configure(fileConfig(), {});
  warn("fresh");
  shutdown();
  EXPECT_TRUE(activeSinks().empty());
  configure(fileConfig(), {});
  warn("again");
  std::string text = logged();
  EXPECT_EQ(text.find("stale"), std::string::npos);
  EXPECT_NE(text.find("fresh"), std::string::npos);
  EXPECT_NE(text.find("again"), std::string::npos);
}

TEST_F(LogFile, MessagesAreOneLineAndBounded) {
  configure(fileConfig(), {});
  warn("first\nsecond\rthird\tend");
  warn(std::string(10000, 'z'));
  std::string text = logged();
  EXPECT_NE(text.find("first second third end\n"), std::string::npos);
  EXPECT_EQ(countOf(text, "\n"), 2u);
  EXPECT_EQ(countOf(text, "z"), 4096u);
}

TEST_F(LogFile, ConcurrentWritersNeverMixLines) {
  configure(fileConfig(), {});
  constexpr int kThreads = 8;
  constexpr int kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) {
        warn("thread " + std::to_string(t) + " line " + std::to_string(i) + " " +
             std::string(100, char('a' + t)));
      }
    });
  }
  for (auto& th : threads) th.join();
  shutdown();
  std::string text = logged();
  std::regex line(R"(^\S+ WARN p11nethsm\[\d+/\d+\]: thread (\d) line \d+ ([a-h])\2{99}$)");
  std::istringstream in(text);
  size_t count = 0;
  for (std::string l; std::getline(in, l); ++count) {
    ASSERT_TRUE(std::regex_match(l, line)) << l;
  }
  EXPECT_EQ(count, size_t(kThreads * kLines));
}

TEST_F(LogFile, ForkedChildLogsWithItsOwnPid) {
  configure(fileConfig(), {});
  // Another thread logging while we fork must not leave the child's logger locked.
  std::atomic<bool> stop{false};
  std::thread noisy([&] {
    while (!stop) warn("noise");
  });
  pid_t child = ::fork();
  if (child == 0) {
    warn("from the child");
    ::_exit(0);
  }
  stop = true;
  noisy.join();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  std::string text = logged();
  EXPECT_NE(text.find("p11nethsm[" + std::to_string(child) + "/"), std::string::npos);
  EXPECT_NE(text.find("from the child"), std::string::npos);
}

}  // namespace
}  // namespace p11nethsm::log
