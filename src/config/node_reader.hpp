#pragma once
// Typed reading of yaml-cpp nodes with messages that name file, line, column and key
// path (issue 4 §1: "an error names the file, line and key"). Internal to config/.
#include <yaml-cpp/yaml.h>

#include <climits>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace p11nethsm::config::detail {

using Diagnostics = std::vector<Diagnostic>;

// A node plus where it came from. `mark` is the key's position for map entries (so a
// message points at the line the user wrote the key on), the item's for list items.
struct NodeRef {
  YAML::Node node;
  std::string file;
  std::string path;  // e.g. "slots[0].instances[1].url"
  YAML::Mark mark;

  // "file:line:col: path" (line and column 1-based).
  std::string where() const;
  // A map entry / list item below this node.
  NodeRef entry(const std::string& key, const YAML::Node& keyNode, const YAML::Node& value) const;
  NodeRef item(size_t index, const YAML::Node& value) const;
};

// An error of kind kConfig: "<where>: <problem>". Values are never echoed here, so a
// misplaced password cannot leak through a message.
Error configError(const NodeRef& at, std::string_view problem);
void addDiagnostic(Diagnostics& diags, LogLevel level, const NodeRef& at, std::string_view message);

// The known key closest to `key` by edit distance (for "did you mean").
std::string_view nearestKey(std::string_view key, std::span<const std::string_view> known);

// Scalar readers. Each fails with a configError naming the node.
Status readString(const NodeRef& ref, std::string& out);
Status readString(const NodeRef& ref, std::optional<std::string>& out);
Status readBool(const NodeRef& ref, bool& out);
Status readUnsigned(const NodeRef& ref, unsigned& out, unsigned min = 0, unsigned max = UINT_MAX);
Status readUnsigned(const NodeRef& ref, std::optional<unsigned>& out, unsigned min = 0,
                    unsigned max = UINT_MAX);
Status readInt(const NodeRef& ref, std::optional<int>& out);
Status expectKind(const NodeRef& ref, YAML::NodeType::value kind, std::string_view what);

// One key of a YAML map and how to store it into T.
template <class T>
struct Field {
  std::string_view key;
  bool required;
  Status (*read)(const NodeRef& ref, T& target, Diagnostics& diags);
};

// What walkMap saw besides the values: which known keys were set (by index) and
// which keys it did not know.
struct WalkResult {
  std::vector<bool> seen;
  std::vector<std::string> unknown;
};

// Walks the entries of the mapping `ref`: known keys go to their reader (a null value
// counts as absent), unknown keys become warnings naming the nearest known key,
// duplicate keys are errors.
Status walkMap(const NodeRef& ref, std::span<const std::string_view> known, Diagnostics& diags,
               const std::function<Status(size_t fieldIndex, const NodeRef&)>& onField,
               WalkResult& found);

// "required key 'x' is missing or has no value", plus a hint when one of the unknown
// keys of the same map looks like a misspelling of it.
Error missingKeyError(const NodeRef& ref, std::string_view key,
                      const std::vector<std::string>& unknownKeys);

template <class T, size_t N>
Status readMap(const NodeRef& ref, const Field<T> (&fields)[N], T& target, Diagnostics& diags) {
  std::string_view names[N];
  for (size_t i = 0; i < N; ++i) names[i] = fields[i].key;
  WalkResult found{std::vector<bool>(N, false), {}};
  Status walked = walkMap(
      ref, names, diags,
      [&](size_t i, const NodeRef& child) -> Status {
        return fields[i].read(child, target, diags);
      },
      found);
  if (!walked) return walked;
  for (size_t i = 0; i < N; ++i) {
    if (fields[i].required && !found.seen[i]) {
      return missingKeyError(ref, fields[i].key, found.unknown);
    }
  }
  return okStatus();
}

template <class T, size_t N>
std::vector<std::string_view> fieldNames(const Field<T> (&fields)[N]) {
  std::vector<std::string_view> names;
  for (const auto& f : fields) names.push_back(f.key);
  return names;
}

}  // namespace p11nethsm::config::detail
