#pragma once
// The configuration part of the report: the files read (in merge order), which file
// and line set each option, each slot's origin and users, and the loader's warnings
// with file:line, each warning also a problem line.
#include "check/report.hpp"
#include "config/config.hpp"

namespace p11nethsm::check {

void reportConfig(const config::Config& cfg, const config::ConfigSources& sources, Report& report);

// "file:line" (or just "file" when the line is unknown).
std::string location(const std::string& file, unsigned line);

}  // namespace p11nethsm::check
