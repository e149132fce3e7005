#include "config/node_reader.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace p11nethsm::config::detail {

namespace {

const char* kindName(YAML::NodeType::value kind) {
  switch (kind) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "empty";
  }
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A scalar with a value; maps, lists and nulls are refused with a message.
Status requireScalar(const NodeRef& ref, std::string_view expected) {
  if (ref.node.IsScalar()) return okStatus();
  return configError(ref,
                     "expected " + std::string(expected) + ", found " + kindName(ref.node.Type()));
}

}  // namespace

std::string NodeRef::where() const {
  std::string out = file;
  if (!mark.is_null()) {
    // Appended piece by piece: `":" + std::to_string(...)` trips GCC 12's -Wrestrict
    // false positive at -O3 (GCC bug 105329).
    out += ':';
    out += std::to_string(mark.line + 1);
    out += ':';
    out += std::to_string(mark.column + 1);
  }
  if (!path.empty()) out += ": " + path;
  return out;
}

NodeRef NodeRef::entry(const std::string& key, const YAML::Node& keyNode,
                       const YAML::Node& value) const {
  YAML::Mark at = keyNode.Mark();
  if (at.is_null()) at = mark;
  return NodeRef{value, file, path.empty() ? key : path + "." + key, at};
}

NodeRef NodeRef::item(size_t index, const YAML::Node& value) const {
  YAML::Mark at = value.Mark();
  if (at.is_null()) at = mark;
  return NodeRef{value, file, path + "[" + std::to_string(index) + "]", at};
}

Error configError(const NodeRef& at, std::string_view problem) {
  return makeError(ErrorKind::kConfig, at.where() + ": " + std::string(problem));
}

void addDiagnostic(Diagnostics& diags, LogLevel level, const NodeRef& at,
                   std::string_view message) {
  const unsigned line = at.mark.is_null() ? 0 : static_cast<unsigned>(at.mark.line + 1);
  diags.push_back(Diagnostic{level, at.where() + ": " + std::string(message), at.file, line});
}

std::string_view nearestKey(std::string_view key, std::span<const std::string_view> known) {
  std::string_view best;
  size_t bestDistance = SIZE_MAX;
  for (std::string_view candidate : known) {
    size_t d = editDistance(key, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

Error missingKeyError(const NodeRef& ref, std::string_view key,
                      const std::vector<std::string>& unknownKeys) {
  std::string message = "required key '" + std::string(key) + "' is missing or has no value";
  std::vector<std::string_view> candidates(unknownKeys.begin(), unknownKeys.end());
  std::string_view nearest = nearestKey(key, candidates);
  // A misspelling is a few edits away; anything further is a different key.
  if (!nearest.empty() && editDistance(key, nearest) <= std::max<size_t>(2, key.size() / 3)) {
    message += " (is '" + std::string(nearest) + "' a misspelling of it?)";
  }
  return configError(ref, message);
}

Status readString(const NodeRef& ref, std::string& out) {
  if (Status s = requireScalar(ref, "a string"); !s) return s;
  out = ref.node.Scalar();
  return okStatus();
}

Status readString(const NodeRef& ref, std::optional<std::string>& out) {
  std::string value;
  if (Status s = readString(ref, value); !s) return s;
  out = std::move(value);
  return okStatus();
}

Status readBool(const NodeRef& ref, bool& out) {
  if (Status s = requireScalar(ref, "true or false"); !s) return s;
  bool value = false;
  if (!YAML::convert<bool>::decode(ref.node, value)) {
    return configError(ref, "expected true or false");
  }
  out = value;
  return okStatus();
}

Status readUnsigned(const NodeRef& ref, unsigned& out, unsigned min, unsigned max) {
  std::string what = "a whole number from " + std::to_string(min) +
                     (max == UINT_MAX ? " up" : " to " + std::to_string(max));
  if (Status s = requireScalar(ref, what); !s) return s;
  const std::string& text = ref.node.Scalar();
  unsigned long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return configError(ref, "expected " + what);
  }
  out = static_cast<unsigned>(value);
  return okStatus();
}

Status readUnsigned(const NodeRef& ref, std::optional<unsigned>& out, unsigned min, unsigned max) {
  unsigned value = 0;
  if (Status s = readUnsigned(ref, value, min, max); !s) return s;
  out = value;
  return okStatus();
}

Status readInt(const NodeRef& ref, std::optional<int>& out) {
  if (Status s = requireScalar(ref, "a whole number"); !s) return s;
  const std::string& text = ref.node.Scalar();
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return configError(ref, "expected a whole number");
  }
  out = value;
  return okStatus();
}

Status expectKind(const NodeRef& ref, YAML::NodeType::value kind, std::string_view what) {
  if (ref.node.Type() == kind) return okStatus();
  return configError(ref, "expected " + std::string(what) + ", found " + kindName(ref.node.Type()));
}

Status walkMap(const NodeRef& ref, std::span<const std::string_view> known, Diagnostics& diags,
               const std::function<Status(size_t fieldIndex, const NodeRef&)>& onField,
               WalkResult& found) {
  if (Status s = expectKind(ref, YAML::NodeType::Map, "a map of options"); !s) return s;
  std::set<std::string> keysInThisMap;
  for (auto it = ref.node.begin(); it != ref.node.end(); ++it) {
    const std::string key = it->first.Scalar();
    NodeRef child = ref.entry(key, it->first, it->second);
    if (!it->first.IsScalar()) return configError(child, "a key must be a plain name");
    if (!keysInThisMap.insert(key).second) {
      return configError(child, "key '" + key + "' appears twice");
    }
    auto match = std::find(known.begin(), known.end(), key);
    if (match == known.end()) {
      addDiagnostic(diags, LogLevel::kWarn, child,
                    "unknown key '" + key + "' ignored (did you mean '" +
                        std::string(nearestKey(key, known)) + "'?)");
      found.unknown.push_back(key);
      continue;
    }
    if (it->second.IsNull()) continue;  // "key:" with no value = not set
    size_t index = static_cast<size_t>(match - known.begin());
    found.seen[index] = true;
    if (Status s = onField(index, child); !s) return s;
  }
  return okStatus();
}

}  // namespace p11nethsm::config::detail
