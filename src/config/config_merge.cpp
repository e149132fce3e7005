// Merging the documents of the search path (issue 4 §1): `slots` lists concatenated
// in file order; a top-level option set in several files: the later, more
// user-specific file wins (the Rust module let /etc win, which surprised users,
// competitor.md §7 item 13), and an info line names the winner.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "config/config_fields.hpp"

namespace p11nethsm::config {

namespace {

using detail::addDiagnostic;
using detail::Diagnostics;
using detail::NodeRef;

struct Collected {
  std::map<std::string, NodeRef> options;  // winning entry per top-level option
  std::vector<NodeRef> slots;              // every slot, in file order
};

Result<YAML::Node> loadDocument(const ConfigText& doc) {
  try {
    return YAML::Load(doc.text);
  } catch (const YAML::Exception& e) {
    std::string where = doc.origin;
    if (!e.mark.is_null()) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return makeError(ErrorKind::kConfig, where + ": not valid YAML: " + e.msg);
  }
}

Status collectSlots(const NodeRef& ref, Collected& out) {
  if (Status s = detail::expectKind(ref, YAML::NodeType::Sequence, "a list of slots"); !s) {
    return s;
  }
  for (size_t i = 0; i < ref.node.size(); ++i) out.slots.push_back(ref.item(i, ref.node[i]));
  return okStatus();
}

Status collectDocument(const NodeRef& root, Collected& out, Diagnostics& diags) {
  if (root.node.IsNull()) {
    addDiagnostic(diags, LogLevel::kInfo, root, "the file is empty");
    return okStatus();
  }
  std::vector<std::string_view> known = detail::topLevelKeys();
  detail::WalkResult found{std::vector<bool>(known.size(), false), {}};
  return detail::walkMap(
      root, known, diags,
      [&](size_t index, const NodeRef& child) {
        const std::string key(known[index]);
        if (key == "slots") return collectSlots(child, out);
        auto previous = out.options.find(key);
        if (previous != out.options.end()) {
          if (previous->second.file != child.file) {
            addDiagnostic(diags, LogLevel::kInfo, child,
                          key + " is also set in " + previous->second.file + "; using " +
                              child.file + " (the more user-specific file wins)");
          }
          previous->second = child;
        } else {
          out.options.emplace(key, child);
        }
        return okStatus();
      },
      found);
}

void warnDuplicateLabels(const std::vector<SlotConfig>& slots, const Collected& collected,
                         Diagnostics& diags) {
  std::set<std::string> labels;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!labels.insert(slots[i].label).second) {
      addDiagnostic(diags, LogLevel::kWarn, collected.slots[i],
                    "another slot is also labelled '" + slots[i].label +
                        "'; applications that pick a token by label will see the first");
    }
  }
}

Result<Config> build(const std::vector<ConfigText>& documents) {
  Config cfg;
  Diagnostics diags;
  Collected collected;
  for (const ConfigText& doc : documents) {
    auto node = loadDocument(doc);
    if (!node) return node.error();
    NodeRef root{node.value(), doc.origin, "", node->Mark()};
    if (Status s = collectDocument(root, collected, diags); !s) return s.error();
    cfg.sourceFiles.push_back(doc.origin);
  }
  for (std::string_view key : detail::topLevelKeys()) {
    auto it = collected.options.find(std::string(key));
    if (it == collected.options.end()) continue;
    if (Status s = detail::readTopLevelOption(it->second, key, cfg, diags); !s) {
      return s.error();
    }
    const YAML::Mark& mark = it->second.mark;
    cfg.optionSources.push_back(OptionSource{std::string(key), it->second.file,
                                             mark.is_null() ? 0 : unsigned(mark.line + 1)});
  }
  detail::checkLogOptions(collected.options, cfg.log, diags);
  for (const NodeRef& ref : collected.slots) {
    auto slot = detail::readSlot(ref, diags);
    if (!slot) return slot.error();
    cfg.slots.push_back(std::move(slot.value()));
  }
  if (cfg.slots.empty()) {
    std::string files;
    for (const auto& f : cfg.sourceFiles) files += (files.empty() ? "" : ", ") + f;
    return makeError(ErrorKind::kConfig, (files.empty() ? std::string("configuration") : files) +
                                             ": no slot is configured (add a 'slots' list)");
  }
  warnDuplicateLabels(cfg.slots, collected, diags);
  cfg.diagnostics = std::move(diags);
  return cfg;
}

}  // namespace

Result<Config> mergeConfigTexts(const std::vector<ConfigText>& documents) {
  // yaml-cpp reports problems by exceptions; none may leave the config layer.
  try {
    return build(documents);
  } catch (const YAML::Exception& e) {
    return makeError(ErrorKind::kConfig, "configuration: " + e.msg);
  } catch (const std::exception& e) {
    return makeError(ErrorKind::kConfig, std::string("configuration: ") + e.what());
  }
}

Result<Config> parseConfig(const std::string& yamlText, const std::string& origin) {
  return mergeConfigTexts({ConfigText{origin, yamlText}});
}

}  // namespace p11nethsm::config
