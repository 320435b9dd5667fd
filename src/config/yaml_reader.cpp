#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "config/text_match.h"

namespace ebbflow::config::detail {
namespace {

int one_based(int zero_based) { return zero_based >= 0 ? zero_based + 1 : 0; }

std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

// Keys of a ParallelCluster 3 file that ebbflow deliberately does not take: a user porting a
// real configuration gets told why instead of a bare "unknown key".
std::string parallelcluster_hint(const std::string& key) {
  static const std::set<std::string> kForeign{
      "Image", "HeadNode", "SharedStorage", "Networking", "Iam", "Tags", "Monitoring", "AdditionalPackages",
      "DirectoryService", "DeploymentSettings", "DevSettings", "CustomS3Bucket", "AdditionalResources",
      "LoginNodes", "Imds", "Database", "ExternalSlurmdbd", "ComputeSettings", "CustomActions",
      "JobExclusiveAllocation", "CustomSlurmSettings", "Efa", "DisableSimultaneousMultithreading",
      "SchedulableMemory", "StaticNodePriority", "DynamicNodePriority", "Dns", "QueueUpdateStrategy",
      "EnableMemoryBasedScheduling", "HealthChecks", "CapacityReservationTarget", "PlacementGroup"};
  if (kForeign.count(key)) return "'" + key + "' is a ParallelCluster 3 setting that ebbflow does not use; remove it";
  return "";
}

}  // namespace

void Issues::add(std::string path, const YAML::Mark& mark, std::string message) {
  issues_.push_back(ConfigIssue{std::move(path), one_based(mark.line), mark.line >= 0 ? one_based(mark.column) : 0,
                                std::move(message)});
}

void Issues::add(std::string path, std::string message) {
  issues_.push_back(ConfigIssue{std::move(path), 0, 0, std::move(message)});
}

std::vector<ConfigIssue> Issues::take() {
  std::stable_sort(issues_.begin(), issues_.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(issues_);
}

std::string describe_value(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  std::string text = node.Scalar();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "'" + text + "'";
}

std::optional<int> parse_int(const std::string& text) {
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

MapReader::MapReader(const YAML::Node& node, std::string path, std::vector<std::string> known_keys,
                     Issues& issues)
    : path_(std::move(path)), issues_(issues) {
  if (!node.IsDefined() || node.IsNull()) return;
  mark_ = node.Mark();
  if (!node.IsMap()) {
    issues_.add(path_.empty() ? "(document)" : path_, mark_,
                (path_.empty() ? std::string("the document") : path_) + " must be a mapping of keys to values, got " +
                    describe_value(node));
    return;
  }
  is_map_ = true;
  for (const auto& kv : node) {
    // Copies: yaml-cpp's iterator hands out proxies, and references into them would dangle.
    const YAML::Node k = kv.first;
    const YAML::Node v = kv.second;
    if (!k.IsScalar()) {
      issues_.add(path_.empty() ? "(document)" : path_, k.Mark(), "keys must be plain names, got " + describe_value(k));
      continue;
    }
    std::string key = k.Scalar();
    std::string key_path = join_path(path_, key);
    if (const Entry* first = find(key)) {
      issues_.add(key_path, k.Mark(),
                  "duplicate key '" + key + "' (first given at line " + std::to_string(one_based(first->key_node.Mark().line)) +
                      "); YAML would silently keep only one of them");
      continue;
    }
    if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      std::string msg = "unknown key '" + key + "'";
      std::string hint = closest_match(key, known_keys);
      std::string foreign = parallelcluster_hint(key);
      if (!foreign.empty()) {
        msg += ": " + foreign;
      } else if (!hint.empty()) {
        msg += "; did you mean '" + hint + "'?";
      } else {
        std::string list;
        for (const auto& kk : known_keys) list += (list.empty() ? "" : ", ") + kk;
        msg += " (known keys here: " + list + ")";
      }
      issues_.add(key_path, k.Mark(), msg);
      continue;
    }
    entries_.push_back(Entry{key, k, v});
  }
}

const MapReader::Entry* MapReader::find(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

YAML::Node MapReader::value(const std::string& key) const {
  const Entry* e = find(key);
  return e ? e->value : YAML::Node(YAML::NodeType::Undefined);
}

YAML::Mark MapReader::value_mark(const std::string& key) const {
  const Entry* e = find(key);
  if (!e) return mark_;
  // Point at a scalar itself ("MinCount: two" -> the "two"); for an empty value ("Key:") or a
  // block section, whose own position is the next line, point at the key instead.
  return e->value.IsScalar() ? e->value.Mark() : e->key_node.Mark();
}

std::string MapReader::path_of(const std::string& key) const { return join_path(path_, key); }

bool MapReader::require(const std::string& key, const std::string& why) {
  if (has(key)) return true;
  std::string msg = "missing required key '" + key + "'";
  if (!why.empty()) msg += " (" + why + ")";
  if (is_map_ && !path_.empty()) {  // a top-level key has no meaningful position: report it file-wide
    issues_.add(path_of(key), mark_, msg);
  } else {
    issues_.add(path_of(key), msg);
  }
  return false;
}

bool MapReader::read_string(const std::string& key, std::string& out) {
  const Entry* e = find(key);
  if (!e) return false;
  if (!e->value.IsScalar()) {
    issues_.add(path_of(key), value_mark(key), key + " must be a string, got " + describe_value(e->value));
    return false;
  }
  out = e->value.Scalar();
  return true;
}

bool MapReader::read_one_of(const std::string& key, const std::vector<std::string>& allowed, std::string& out) {
  std::string value;
  if (!read_string(key, value)) return false;
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) {
    out = value;
    return true;
  }
  std::string msg = key + " must be ";
  for (size_t i = 0; i < allowed.size(); ++i)
    msg += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + ("'" + allowed[i] + "'");
  msg += ", got '" + value + "'";
  std::string hint = closest_match(value, allowed);
  if (!hint.empty()) msg += "; did you mean '" + hint + "'?";
  issues_.add(path_of(key), value_mark(key), msg);
  return false;
}

bool MapReader::read_int(const std::string& key, int& out, int min, int max, const std::string& unit) {
  const Entry* e = find(key);
  if (!e) return false;
  std::optional<int> v;
  if (e->value.IsScalar()) v = parse_int(e->value.Scalar());
  if (!v) {
    issues_.add(path_of(key), value_mark(key), key + " must be an integer, got " + describe_value(e->value));
    return false;
  }
  if (*v < min || *v > max) {
    std::string msg;
    if (min == 0 && *v < 0) {
      msg = key + " must not be negative, got " + std::to_string(*v);
    } else {
      msg = key + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
            (unit.empty() ? "" : " " + unit) + ", got " + std::to_string(*v);
    }
    issues_.add(path_of(key), value_mark(key), msg);
    return false;
  }
  out = *v;
  return true;
}

bool MapReader::read_bool(const std::string& key, bool& out) {
  const Entry* e = find(key);
  if (!e) return false;
  static const std::set<std::string> kTrue{"true", "True", "TRUE"}, kFalse{"false", "False", "FALSE"};
  if (e->value.IsScalar()) {
    const std::string& s = e->value.Scalar();
    if (kTrue.count(s)) return out = true, true;
    if (kFalse.count(s)) return out = false, true;
  }
  issues_.add(path_of(key), value_mark(key), key + " must be true or false, got " + describe_value(e->value));
  return false;
}

YAML::Node MapReader::read_list(const std::string& key) {
  const Entry* e = find(key);
  if (!e) return YAML::Node(YAML::NodeType::Undefined);
  if (!e->value.IsSequence()) {
    issues_.add(path_of(key), value_mark(key), key + " must be a list, got " + describe_value(e->value));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return e->value;
}

}  // namespace ebbflow::config::detail
