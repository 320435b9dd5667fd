// Typed, position-aware reading of a yaml-cpp tree, collecting every problem instead of throwing.
//
// The loader walks the document once; each mapping is wrapped in a MapReader, which reports a
// non-mapping, duplicate keys and unknown keys (with a "did you mean" hint) up front and then
// hands out typed values, reporting a wrong type at the value's own line and column. Nothing
// here throws on bad input: a value that cannot be read is reported and the default is kept, so
// one pass finds every problem in the file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "config/cluster_config.h"

namespace ebbflow::config::detail {

class Issues {
 public:
  void add(std::string path, const YAML::Mark& mark, std::string message);
  void add(std::string path, std::string message);  // position unknown (line 0)
  size_t size() const { return issues_.size(); }
  std::vector<ConfigIssue> take();  // sorted by line and column, file-level (line 0) first

 private:
  std::vector<ConfigIssue> issues_;
};

// "a list", "a mapping", "an empty value", or the quoted scalar text, for "got ..." messages.
std::string describe_value(const YAML::Node& node);

// Parses a YAML scalar as a decimal integer that fits in an int ("+5", "-1"; not "5.0", "0x5").
std::optional<int> parse_int(const std::string& text);

class MapReader {
 public:
  // `node` may be undefined or null (a section that is absent or written as "Key:"): then the
  // reader is empty and reports nothing. Any other non-mapping is reported as a wrong type.
  MapReader(const YAML::Node& node, std::string path, std::vector<std::string> known_keys, Issues& issues);

  bool is_map() const { return is_map_; }
  bool has(const std::string& key) const { return find(key) != nullptr; }
  YAML::Node value(const std::string& key) const;  // undefined node when absent
  YAML::Mark mark() const { return mark_; }         // position of the mapping itself
  YAML::Mark value_mark(const std::string& key) const;
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const;

  // Reports "missing required key" (at the mapping's position) when `key` is absent.
  bool require(const std::string& key, const std::string& why = "");

  // Each read_* returns true and sets `out` when the key is present and valid; when the key is
  // absent it returns false silently; when it is present but wrong it reports and returns false.
  bool read_string(const std::string& key, std::string& out);
  // A string that must be one of `allowed` (two or more): else an issue "Key must be 'a' or 'b',
  // got 'x'; did you mean 'a'?" and false. `out` is set only to an allowed value.
  bool read_one_of(const std::string& key, const std::vector<std::string>& allowed, std::string& out);
  bool read_int(const std::string& key, int& out, int min, int max, const std::string& unit = "");
  bool read_bool(const std::string& key, bool& out);
  // A sequence value; reports anything else. Returns an undefined node when absent or wrong.
  YAML::Node read_list(const std::string& key);

  Issues& issues() { return issues_; }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const Entry* find(const std::string& key) const;

  std::string path_;
  Issues& issues_;
  bool is_map_ = false;
  YAML::Mark mark_ = YAML::Mark::null_mark();
  std::vector<Entry> entries_;  // first occurrence of each key, in file order
};

}  // namespace ebbflow::config::detail
