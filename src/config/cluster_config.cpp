// Loading: YAML text -> ClusterConfig plus every issue found. Never throws, whatever the input.
#include "config/cluster_config.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string_view>

#include "config/parse_sections.h"
#include "config/yaml_reader.h"
#include "util/utf8.h"

namespace ebbflow::config {

std::string ConfigIssue::to_string(const std::string& file) const {
  std::string out = file + ":";
  if (line > 0) {
    out += std::to_string(line) + ":";
    if (column > 0) out += std::to_string(column) + ":";
  }
  out += " ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

const SlurmQueue* ClusterConfig::find_queue(const std::string& name) const {
  for (const auto& q : queues)
    if (q.name == name) return &q;
  return nullptr;
}

const ComputeResource* ClusterConfig::find_compute_resource(const std::string& queue, const std::string& cr) const {
  const SlurmQueue* q = find_queue(queue);
  if (!q) return nullptr;
  for (const auto& c : q->compute_resources)
    if (c.name == cr) return &c;
  return nullptr;
}

int ClusterConfig::static_node_count() const {
  int n = 0;
  for (const auto& q : queues)
    for (const auto& c : q.compute_resources) n += c.min_count;
  return n;
}

int ClusterConfig::dynamic_node_count() const {
  int n = 0;
  for (const auto& q : queues)
    for (const auto& c : q.compute_resources) n += c.max_count - c.min_count;
  return n;
}

namespace {

void parse_document(const YAML::Node& doc, ClusterConfig& cfg, detail::Issues& issues) {
  if (!doc.IsDefined() || doc.IsNull()) {
    issues.add("", "the file is empty: a cluster configuration needs at least Region, Cloud.Provider and "
                   "Scheduling.SlurmQueues");
    return;
  }
  detail::MapReader root(doc, "", {"Region", "Scheduling", "Cloud", "Daemons"}, issues);
  if (!root.is_map()) return;
  if (root.require("Region", "an AWS region name such as us-east-1, also for the local cloud") &&
      root.read_string("Region", cfg.region)) {
    static const std::regex kRegion(R"(^[a-z]{2}(-[a-z]+)+-\d+$)");
    if (!std::regex_match(cfg.region, kRegion)) {
      issues.add("Region", root.value_mark("Region"),
                 "Region must be a region name like 'us-east-1' (letters-letters-digit), got '" + cfg.region + "'");
    }
  }
  // Cloud first: queues check their instance types against the catalog Cloud.InstanceTypes extends.
  if (root.require("Cloud", "with Provider: local or aws")) detail::parse_cloud(root.value("Cloud"), cfg, issues);
  if (root.require("Scheduling", "with SlurmQueues")) detail::parse_scheduling(root.value("Scheduling"), cfg, issues);
  detail::parse_daemons(root.value("Daemons"), cfg, issues);
}

// How many YAML documents the text holds, from its document markers: a line starting with
// "---" opens one, content before the first marker is one, and content after a "..." end marker
// opens another. Comments, blank lines and directives are not content. (A "---" at column 0
// always ends a scalar in YAML, so a line scan cannot be fooled by one inside a value.)
// Where the byte at `offset` is, as yaml-cpp marks positions (0-based line and column).
YAML::Mark utf8_error_mark(const std::string& text, size_t offset) {
  YAML::Mark mark;
  mark.pos = static_cast<int>(offset);
  mark.line = 0;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++mark.line;
      line_start = i + 1;
    }
  mark.column = static_cast<int>(offset - line_start);
  return mark;
}

std::string hex_byte(unsigned char b) {
  static const char* kDigits = "0123456789ABCDEF";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 0xF];
}

int count_documents(const std::string& yaml) {
  auto marker = [](std::string_view line, std::string_view m) {
    return line.substr(0, 3) == m && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
  };
  int documents = 0;
  bool open = false;  // a document is open and may receive content
  bool has_content = false;
  std::istringstream in(yaml);
  std::string line;
  while (std::getline(in, line)) {
    std::string_view v(line);
    if (marker(v, "---")) {
      ++documents;
      open = true;
      has_content = true;  // "--- value" or an empty document: either way a document
      continue;
    }
    if (marker(v, "...")) {
      open = false;
      continue;
    }
    auto first = v.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || v[first] == '#' || (first == 0 && v[0] == '%')) continue;
    if (!open) {
      ++documents;
      open = true;
    }
    has_content = true;
  }
  return has_content ? documents : 0;
}

}  // namespace

LoadResult load_cluster_config_string(const std::string& yaml, const std::string& source_name) {
  LoadResult result;
  detail::Issues issues;
  ClusterConfig cfg;
  cfg.source_file = source_name;
  try {
    // Not YAML::LoadAll: yaml-cpp 0.7's LoadAll never returns when a document holds a stray ','
    // at its top level ("," alone, "--- ,", "[a]\n,": found by fuzz_cluster_config), which
    // would hang `ebbflow validate`. Load reads the first document; the markers tell how many.
    int documents = count_documents(yaml);
    if (auto bad = util::find_invalid_utf8(yaml)) {
      // yaml-cpp takes any byte, and the value would break every JSON view of the config (the
      // validate --json output, the cluster context file): found by fuzz_cluster_config.
      issues.add("", utf8_error_mark(yaml, *bad),
                 "the file is not UTF-8 text: byte " + hex_byte(static_cast<unsigned char>(yaml[*bad])) +
                     " does not start a valid UTF-8 character; save the file as UTF-8");
    } else if (documents > 1) {
      issues.add("", YAML::Mark::null_mark(), "the file holds " + std::to_string(documents) +
                                       " YAML documents ('---'); a cluster configuration is a single document");
    } else {
      YAML::Node doc = YAML::Load(yaml);
      if (doc.IsNull() && documents == 1) {
        issues.add("", YAML::Mark::null_mark(),
                   "YAML syntax error: no value could be read from the document (does it start with a "
                   "character YAML does not allow there, such as a stray ','?)");
      } else {
        parse_document(doc, cfg, issues);
      }
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's message already carries "yaml-cpp: error at line L, column C: "; keep only the reason.
    issues.add("", e.mark, "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    issues.add("", std::string("cannot read the configuration: ") + e.what());
  } catch (...) {
    issues.add("", "cannot read the configuration: unexpected error");
  }
  result.issues = issues.take();
  if (result.issues.empty()) result.config = std::move(cfg);
  return result;
}

LoadResult load_cluster_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    LoadResult r;
    r.issues.push_back(ConfigIssue{"", 0, 0, "is a directory, not a configuration file"});
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.issues.push_back(ConfigIssue{"", 0, 0, "cannot open the file"});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_cluster_config_string(text.str(), path);
}

}  // namespace ebbflow::config
