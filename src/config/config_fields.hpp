#pragma once
// The key tables of the configuration format, by level. Internal to config/; tests use
// knownKeys() to check that the example configuration documents every option.
#include <map>
#include <string>
#include <vector>

#include "config/node_reader.hpp"

namespace p11nethsm::config::detail {

// One entry of the `slots` list, read and validated (users, instances, limits).
Result<SlotConfig> readSlot(const NodeRef& ref, Diagnostics& diags);

// Top-level options other than `slots`.
bool isTopLevelOption(std::string_view key);
std::vector<std::string_view> topLevelKeys();  // includes "slots"
Status readTopLevelOption(const NodeRef& ref, std::string_view key, Config& cfg,
                          Diagnostics& diags);

// Checks across options once all are read (e.g. several syslog sinks).
void checkLogOptions(const std::map<std::string, NodeRef>& options, const LogConfig& log,
                     Diagnostics& diags);

// Every key of the format as a dotted path, e.g. "slots.instances.url".
std::vector<std::string> knownKeys();
void appendSlotKeys(std::vector<std::string>& out);  // the "slots.*" part

// `env:NAME` → the variable's value (error naming NAME if unset); anything else as
// is. An empty result means "no password: it comes from C_Login".
Result<std::optional<SecretString>> resolvePassword(const NodeRef& ref);

}  // namespace p11nethsm::config::detail
