// config/p11nethsm.example.conf must load as shipped and document every option the
// parser knows (issue 4 §1: "documents every option with its default").
#include <gtest/gtest.h>

#include <regex>

#include "config/config_fields.hpp"
#include "unit/config/config_test_util.hpp"
#include "unit/config/test_files.hpp"

namespace p11nethsm::config {
namespace {

const char* kExample = P11NETHSM_EXAMPLE_CONFIG;

TEST(ExampleConfig, LoadsWithoutWarningsAndWithTheDocumentedDefaults) {
  testing::ScopedEnv password("NETHSM_OPERATOR_PASSWORD", "example-operator-pass");
  auto cfg = loadConfig(ConfigSources{{}, std::string(kExample)});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(testing::warningCount(*cfg), 0u);
  for (const auto& d : cfg->diagnostics) ADD_FAILURE() << d.message;
  ASSERT_EQ(cfg->slots.size(), 1u);
  const SlotConfig& slot = cfg->slots[0];
  EXPECT_EQ(slot.operatorUser->password->reveal(), "example-operator-pass");
  EXPECT_FALSE(slot.administrator->password);
  // The values written out in the example are the parser's defaults.
  Config defaults = testing::mustParse(testing::minimalSlot());
  const SlotConfig& d = defaults.slots[0];
  EXPECT_EQ(slot.timeoutSeconds, d.timeoutSeconds);
  EXPECT_EQ(slot.connectTimeoutSeconds, d.connectTimeoutSeconds);
  EXPECT_EQ(slot.retries.count, d.retries.count);
  EXPECT_EQ(slot.retries.delaySeconds, d.retries.delaySeconds);
  EXPECT_EQ(slot.certificateFormat, d.certificateFormat);
  EXPECT_EQ(slot.cacheRefreshSeconds, d.cacheRefreshSeconds);
  EXPECT_EQ(cfg->enableSetAttributeValue, defaults.enableSetAttributeValue);
  EXPECT_EQ(cfg->disableThreads, defaults.disableThreads);
  EXPECT_EQ(cfg->disableThreadPool, defaults.disableThreadPool);
  EXPECT_EQ(cfg->log.syslogFacility, defaults.log.syslogFacility);
  EXPECT_EQ(cfg->log.level, LogLevel::kWarn) << "the documented default level";
}

TEST(ExampleConfig, WithoutTheEnvVariableTheErrorNamesIt) {
  testing::ScopedEnv password("NETHSM_OPERATOR_PASSWORD", std::nullopt);
  auto cfg = loadConfig(ConfigSources{{}, std::string(kExample)});
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("environment variable 'NETHSM_OPERATOR_PASSWORD' is not set"),
            std::string::npos);
}

TEST(ExampleConfig, DocumentsEveryKnownKey) {
  std::string text = testing::readFile(kExample);
  std::vector<std::string> keys = detail::knownKeys();
  EXPECT_GT(keys.size(), 35u);
  for (const std::string& path : keys) {
    std::string key = path.substr(path.rfind('.') + 1);
    std::regex written("(^|\\n)[# ]*(- )?" + key + ":");
    EXPECT_TRUE(std::regex_search(text, written)) << "not documented: " << path;
  }
}

// Uncommenting every commented option line of the example still gives a valid
// configuration: the commented examples are real syntax, not prose.
TEST(ExampleConfig, CommentedOptionsAreValidWhenUncommented) {
  testing::ScopedEnv p1("NETHSM_OPERATOR_PASSWORD", "x");
  testing::ScopedEnv p2("NETHSM_BACKUP_ADMIN_PASSWORD", "y");
  testing::TempDir dir;
  dir.write("etc/nitrokey/nethsm-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  std::string text = testing::readFile(kExample);
  std::regex option("(^|\\n)( *)# ( *(- \"[^\"]*\"|(- )?[a-z0-9_]+:( .*)?))(?=\\n)");
  std::string uncommented = std::regex_replace(text, option, "$1$2$3");
  // The example points at system paths; keep the test inside its temp folder.
  uncommented = std::regex_replace(uncommented, std::regex("/etc/nitrokey/nethsm-ca.pem"),
                                   dir.file("etc/nitrokey/nethsm-ca.pem"));
  auto cfg = parseConfig(uncommented, "uncommented.conf");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message << "\n" << uncommented;
  EXPECT_EQ(cfg->slots.size(), 2u);
  EXPECT_TRUE(cfg->log.file);
  EXPECT_TRUE(cfg->log.syslogSocket);
  EXPECT_TRUE(cfg->log.syslogUdp);
  EXPECT_TRUE(cfg->log.syslogTcp);
  EXPECT_TRUE(cfg->slots[0].tcpKeepalive);
  EXPECT_TRUE(cfg->slots[0].connectionsMaxIdleSeconds);
  EXPECT_EQ(cfg->slots[0].instances[0].sha256Fingerprints.size(), 1u);
  EXPECT_TRUE(cfg->slots[0].instances[0].caFile);
  EXPECT_EQ(cfg->slots[1].instances.size(), 2u);
}

}  // namespace
}  // namespace p11nethsm::config
