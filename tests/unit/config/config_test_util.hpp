#pragma once
// Small helpers shared by the config tests.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"

namespace p11nethsm::testing {

// A slot with only the required keys; `extraSlotLines` are appended inside the slot
// (indented by 4), `extraInstanceLines` inside its only instance (indented by 8).
inline std::string minimalSlot(const std::string& extraSlotLines = "",
                               const std::string& extraInstanceLines = "") {
  return "slots:\n"
         "  - label: LocalHSM\n"
         "    operator:\n"
         "      username: operator\n"
         "    instances:\n"
         "      - url: https://127.0.0.1:8443/api/v1\n" +
         extraInstanceLines + extraSlotLines;
}

inline config::Config mustParse(const std::string& yaml) {
  auto cfg = config::parseConfig(yaml, "test.conf");
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  return cfg.ok() ? std::move(cfg.value()) : config::Config{};
}

inline std::string mustFail(const std::string& yaml) {
  auto cfg = config::parseConfig(yaml, "test.conf");
  EXPECT_FALSE(cfg.ok()) << "expected an error for:\n" << yaml;
  if (cfg.ok()) return {};
  EXPECT_EQ(cfg.error().kind, ErrorKind::kConfig);
  return cfg.error().message;
}

// The first diagnostic at `level` containing `text`, or "" if none.
inline std::string findDiagnostic(const config::Config& cfg, config::LogLevel level,
                                  const std::string& text) {
  for (const auto& d : cfg.diagnostics) {
    if (d.level == level && d.message.find(text) != std::string::npos) return d.message;
  }
  return {};
}

inline size_t warningCount(const config::Config& cfg) {
  size_t n = 0;
  for (const auto& d : cfg.diagnostics) n += d.level >= config::LogLevel::kWarn ? 1 : 0;
  return n;
}

}  // namespace p11nethsm::testing
