// Search path, merge order and P11NETHSM_CONFIG_FILE (seed 004 "Configuration",
// issue 4 §1). The search roots are temporary folders, never the real /etc or $HOME.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.hpp"
#include "unit/config/config_test_util.hpp"
#include "unit/config/test_files.hpp"

namespace p11nethsm::config {
namespace {

using testing::findDiagnostic;
using testing::TempDir;

std::string slotFile(const std::string& label, const std::string& topLevel = "") {
  return topLevel + "slots:\n  - label: " + label +
         "\n    operator: {username: op}\n"
         "    instances: [{url: \"https://" +
         label + ".example/api/v1\"}]\n";
}

// A fake root: <root>/etc/..., <root>/usr/local/etc/..., <root>/home/.config/...
struct FakeRoot {
  TempDir dir;
  std::vector<std::string> paths() const {
    return configSearchPath(dir.path(), dir.path() + "/home");
  }
  std::string write(size_t index, const std::string& text) const {
    std::string relative = paths()[index].substr(dir.path().size() + 1);
    return dir.write(relative, text);
  }
};

TEST(ConfigSearchPath, DocumentedOrderWithHome) {
  testing::ScopedEnv home("HOME", "/home/alice");
  EXPECT_EQ(configSearchPath(),
            (std::vector<std::string>{"/etc/nitrokey/p11nethsm.conf",
                                      "/usr/local/etc/nitrokey/p11nethsm.conf",
                                      "/home/alice/.config/nitrokey/p11nethsm.conf"}));
}

TEST(ConfigSearchPath, NoHomeNoUserFile) {
  testing::ScopedEnv home("HOME", std::nullopt);
  EXPECT_EQ(configSearchPath().size(), 2u);
  EXPECT_EQ(configSearchPath("/stage", std::nullopt),
            (std::vector<std::string>{"/stage/etc/nitrokey/p11nethsm.conf",
                                      "/stage/usr/local/etc/nitrokey/p11nethsm.conf"}));
}

TEST(ConfigSources, EnvironmentVariableSelectsOnlyThatFile) {
  {
    testing::ScopedEnv only(kConfigFileEnvVar, "/tmp/only.conf");
    ConfigSources sources = configSourcesFromEnvironment();
    EXPECT_EQ(sources.onlyFile, "/tmp/only.conf");
    EXPECT_TRUE(sources.searchPath.empty());
  }
  for (std::optional<std::string> value :
       {std::optional<std::string>(), std::optional<std::string>("")}) {
    testing::ScopedEnv unset(kConfigFileEnvVar, value);
    ConfigSources sources = configSourcesFromEnvironment();
    EXPECT_FALSE(sources.onlyFile);
    EXPECT_EQ(sources.searchPath, configSearchPath());
  }
}

TEST(ConfigMerge, SlotsOfAllFilesConcatenatedInFileOrder) {
  FakeRoot root;
  std::string etc = root.write(0, slotFile("System"));
  std::string local = root.write(1, slotFile("Local1") +
                                        "  - label: Local2\n    administrator: {username: a}\n"
                                        "    instances: [{url: \"https://l2/api/v1\"}]\n");
  std::string user = root.write(2, slotFile("User"));
  auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_EQ(cfg->slots.size(), 4u);
  EXPECT_EQ(cfg->slots[0].label, "System");
  EXPECT_EQ(cfg->slots[1].label, "Local1");
  EXPECT_EQ(cfg->slots[2].label, "Local2");
  EXPECT_EQ(cfg->slots[3].label, "User");
  EXPECT_EQ(cfg->slots[0].sourceFile, etc);
  EXPECT_EQ(cfg->slots[2].sourceFile, local);
  EXPECT_EQ(cfg->slots[3].sourceFile, user);
  EXPECT_EQ(cfg->sourceFiles, (std::vector<std::string>{etc, local, user}));
}

TEST(ConfigMerge, TheMoreUserSpecificFileWinsAndIsNamed) {
  FakeRoot root;
  std::string etc = root.write(0, slotFile("System",
                                           "log_level: Error\ndisable_threads: true\n"
                                           "syslog_facility: daemon\n"));
  std::string user = root.write(2, "log_level: Debug\nsyslog_facility: local1\n");
  auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->log.level, LogLevel::kDebug);
  EXPECT_EQ(cfg->log.syslogFacility, "local1");
  EXPECT_TRUE(cfg->disableThreads) << "set in /etc only: kept";
  EXPECT_NE(findDiagnostic(*cfg, LogLevel::kInfo,
                           user + ":1:1: log_level: log_level is also set in " + etc + "; using " +
                               user + " (the more user-specific file wins)"),
            "");
  EXPECT_NE(findDiagnostic(*cfg, LogLevel::kInfo, "syslog_facility is also set in " + etc), "");
  EXPECT_EQ(findDiagnostic(*cfg, LogLevel::kInfo, "disable_threads is also set"), "");
}

TEST(ConfigMerge, NestedOptionIsReplacedAsAWhole) {
  auto cfg = mergeConfigTexts({{"a.conf", slotFile("A",
                                                   "syslog_udp:\n  to_addr: 127.0.0.1:514\n"
                                                   "  from_addr: 127.0.0.1:9\n")},
                               {"b.conf", "syslog_udp:\n  to_addr: 127.0.0.1:1514\n"}});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_TRUE(cfg->log.syslogUdp);
  EXPECT_EQ(cfg->log.syslogUdp->toAddr, "127.0.0.1:1514");
  EXPECT_EQ(cfg->log.syslogUdp->fromAddr, "") << "b.conf's syslog_udp replaces a.conf's";
}

TEST(ConfigMerge, MissingFilesAreSkippedAndEmptyFilesAllowed) {
  FakeRoot root;
  std::string local = root.write(1, "");
  std::string user = root.write(2, slotFile("User"));
  auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->sourceFiles, (std::vector<std::string>{local, user}));
  EXPECT_NE(findDiagnostic(*cfg, LogLevel::kInfo, local + ": the file is empty"), "");
}

TEST(ConfigMerge, OnlyFileIgnoresTheSearchPath) {
  FakeRoot root;
  root.write(0, slotFile("System"));
  std::string only = root.dir.write("elsewhere/p11.conf", slotFile("Only"));
  auto cfg = loadConfig(ConfigSources{root.paths(), only});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_EQ(cfg->slots.size(), 1u);
  EXPECT_EQ(cfg->slots[0].label, "Only");
  EXPECT_EQ(cfg->sourceFiles, std::vector<std::string>{only});
}

TEST(ConfigMerge, LoadConfigFollowsTheEnvironmentVariable) {
  TempDir dir;
  std::string only = dir.write("p11.conf", slotFile("FromEnv"));
  testing::ScopedEnv env(kConfigFileEnvVar, only);
  auto cfg = loadConfig();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->slots.at(0).label, "FromEnv");
}

TEST(ConfigMergeErrors, OnlyFileMissingNamesFileAndVariable) {
  auto cfg = loadConfig(ConfigSources{{}, std::string("/nonexistent/p11.conf")});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(cfg.error().message,
            "/nonexistent/p11.conf: cannot read the configuration named by "
            "P11NETHSM_CONFIG_FILE: No such file or directory");
}

// A freshly installed package: no file anywhere is "no slot", not a failure (issue 13
// §4: p11-kit lists the module), said at info level with the path searched.
TEST(ConfigMerge, NoFileFoundIsNoSlotWithAnInfoNamingTheSearchPath) {
  FakeRoot root;
  auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE(cfg->slots.empty());
  EXPECT_TRUE(cfg->sourceFiles.empty());
  EXPECT_NE(findDiagnostic(*cfg, LogLevel::kInfo,
                           "no configuration file found (searched " + root.paths()[0] + ", " +
                               root.paths()[1] + ", " + root.paths()[2] +
                               "; or set P11NETHSM_CONFIG_FILE): no slot is offered"),
            "");
}

TEST(ConfigMergeErrors, ADirectoryInPlaceOfTheFileIsAnError) {
  FakeRoot root;
  std::filesystem::create_directories(root.paths()[0]);
  root.write(2, slotFile("User"));
  auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message,
            root.paths()[0] + ": cannot read the configuration: not a regular file");
}

TEST(ConfigMergeErrors, OversizedFileIsRefused) {
  TempDir dir;
  std::string big = dir.write("big.conf", "# " + std::string(1 << 20, 'x') + "\n");
  auto cfg = loadConfig(ConfigSources{{}, big});
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("larger than 1 MiB"), std::string::npos);
}

// Runs `check` in a child without root rights (root reads any file), returns whether
// it passed. Run directly when not root.
template <class Check>
bool runUnprivileged(const std::string& dir, Check check) {
  if (::geteuid() != 0) return check();
  std::filesystem::permissions(dir, std::filesystem::perms::all);
  pid_t child = ::fork();
  if (child == 0) {
    bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;  // nobody
    ::_exit(dropped && check() ? 0 : 1);
  }
  int status = 0;
  return ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(ConfigMergeErrors, UnreadableSearchPathFileIsSkippedWithAWarning) {
  FakeRoot root;
  std::string etc = root.write(0, slotFile("System"));
  root.write(2, slotFile("User"));
  // Everything readable by the unprivileged child except the /etc file.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root.dir.path())) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::all);
  }
  std::filesystem::permissions(etc, std::filesystem::perms::none);
  EXPECT_TRUE(runUnprivileged(root.dir.path(), [&] {
    auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
    return cfg.ok() && cfg->slots.size() == 1 && cfg->slots[0].label == "User" &&
           !findDiagnostic(*cfg, LogLevel::kWarn,
                           etc + ": skipped, cannot read it: Permission denied")
                .empty();
  }));
}

TEST(ConfigMergeErrors, AnErrorInAnyFileNamesThatFile) {
  FakeRoot root;
  root.write(0, slotFile("System"));
  std::string user = root.write(2,
                                "slots:\n  - label: U\n    operator: {username: op}\n"
                                "    instances: [{url: \"http://u/api/v1\"}]\n");
  auto cfg = loadConfig(ConfigSources{root.paths(), std::nullopt});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message.rfind(user + ":4:18: slots[0].instances[0].url: http://", 0), 0u)
      << cfg.error().message;
}

TEST(ConfigMergeErrors, ErrorInOneDocumentOfATextMerge) {
  auto cfg = mergeConfigTexts({{"a.conf", slotFile("A")}, {"b.conf", "log_level: [x]\n"}});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "b.conf:1:1: log_level: expected a string, found a list");
}

// The diagnostics reach the log even though they are found before log::configure.
TEST(ConfigMerge, DiagnosticsAreLoggedOnceTheLogIsConfigured) {
  log::shutdown();
  TempDir dir;
  std::string file = dir.write("p11.conf", slotFile("A", "log_levl: Info\n"));
  auto cfg = loadConfig(ConfigSources{{}, file});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  LogConfig logCfg;
  logCfg.file = dir.file("module.log");
  testing::ScopedEnv noOverride(log::kLevelEnvVar, std::nullopt);
  log::configure(logCfg, {});
  log::shutdown();
  std::string logged = testing::readFile(*logCfg.file);
  EXPECT_NE(logged.find(file + ":1:1: log_levl: unknown key 'log_levl' ignored (did you mean "
                               "'log_level'?)"),
            std::string::npos)
      << logged;
}

}  // namespace
}  // namespace p11nethsm::config
