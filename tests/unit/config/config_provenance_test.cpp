// Provenance kept for p11nethsm-check (issue 13 §2): which file and line set each
// top-level option after the merge, where each slot and warning comes from, and which
// environment variable a password names (never its value).
#include <gtest/gtest.h>

#include "unit/config/config_test_util.hpp"
#include "unit/config/test_files.hpp"

namespace p11nethsm::config {
namespace {

using testing::minimalSlot;
using testing::mustParse;
using testing::ScopedEnv;

const OptionSource* sourceOf(const Config& cfg, const std::string& key) {
  for (const auto& s : cfg.optionSources)
    if (s.key == key) return &s;
  return nullptr;
}

TEST(ConfigProvenance, LaterFileWinsAndIsNamedWithItsLine) {
  auto cfg = mergeConfigTexts({{"etc.conf", "log_level: Info\n" + minimalSlot()},
                               {"user.conf", "\n\nlog_level: Debug\ndisable_threads: true\n"}});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const OptionSource* level = sourceOf(*cfg, "log_level");
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(level->file, "user.conf");
  EXPECT_EQ(level->line, 3u);
  const OptionSource* threads = sourceOf(*cfg, "disable_threads");
  ASSERT_NE(threads, nullptr);
  EXPECT_EQ(threads->line, 4u);
  EXPECT_EQ(sourceOf(*cfg, "log_file"), nullptr);  // not set anywhere
  EXPECT_EQ(cfg->slots[0].sourceFile, "etc.conf");
  EXPECT_EQ(cfg->slots[0].sourceLine, 3u);  // the "- label:" item
}

TEST(ConfigProvenance, WarningsCarryFileAndLine) {
  Config cfg = mustParse(minimalSlot("    timeout_secs: 5\n"));
  ASSERT_FALSE(cfg.diagnostics.empty());
  const Diagnostic& d = cfg.diagnostics.front();
  EXPECT_EQ(d.file, "test.conf");
  EXPECT_EQ(d.line, 7u);
  EXPECT_NE(d.message.find("test.conf:7:5: slots[0].timeout_secs: unknown key"), std::string::npos)
      << d.message;
}

TEST(ConfigProvenance, EnvPasswordNamesTheVariableOnly) {
  ScopedEnv pass("P11NETHSM_TEST_OP_PASS", "s3cret-value");
  Config cfg = mustParse(
      "slots:\n  - label: L\n    operator: {username: op, password: env:P11NETHSM_TEST_OP_PASS}\n"
      "    administrator: {username: admin, password: literal}\n"
      "    instances: [{url: \"https://h/api/v1\"}]\n");
  ASSERT_EQ(cfg.slots.size(), 1u);
  EXPECT_EQ(cfg.slots[0].operatorUser->passwordEnvVar, "P11NETHSM_TEST_OP_PASS");
  EXPECT_EQ(cfg.slots[0].operatorUser->password->reveal(), "s3cret-value");
  EXPECT_FALSE(cfg.slots[0].administrator->passwordEnvVar.has_value());
}

}  // namespace
}  // namespace p11nethsm::config
