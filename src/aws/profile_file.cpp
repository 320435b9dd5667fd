// The AWS shared config and credentials files: a small INI dialect. Sections are "[name]" in the
// credentials file and "[profile name]" (or "[default]") in the config file; "key = value" lines;
// '#' and ';' start comments; indented lines continue a nested section (e.g. "s3 =") and are
// skipped. Values from the credentials file win over the config file's.
#include <fstream>

#include "aws/credentials.h"

namespace ebbflow::aws {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// The section `wanted` of `path` (as found by `matches`); nullopt when the file or section is
// absent. Only key names and line numbers go into errors: the values may be secrets.
Result<std::optional<KeyValues>> read_section(const std::string& path,
                                              const std::function<bool(const std::string&)>& matches) {
  std::ifstream in(path);
  if (!in) return std::optional<KeyValues>();
  std::optional<KeyValues> found;
  bool inside = false;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (trim(line).empty()) continue;
      continue;  // a nested sub-section value: not used by ebbflow
    }
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '[') {
      size_t close = t.find(']');
      if (close == std::string::npos)
        return make_error(ErrorKind::kInvalidInput, "InvalidProfileFile",
                          path + ":" + std::to_string(lineno) + ": section header without ']'");
      std::string name = trim(t.substr(1, close - 1));
      inside = matches(name);
      if (inside && !found) found = KeyValues();
      continue;
    }
    if (!inside) continue;
    size_t eq = t.find('=');
    if (eq == std::string::npos)
      return make_error(ErrorKind::kInvalidInput, "InvalidProfileFile",
                        path + ":" + std::to_string(lineno) + ": expected 'key = value'");
    std::string key = trim(t.substr(0, eq));
    std::string value = trim(t.substr(eq + 1));
    // A repeated section or key: the later value wins, as in botocore's parser.
    bool replaced = false;
    for (auto& kv : *found)
      if (kv.first == key) kv.second = value, replaced = true;
    if (!replaced) found->emplace_back(key, value);
  }
  return found;
}

std::string home(const EnvLookup& env) { return env("HOME").value_or(""); }

}  // namespace

SharedFilePaths shared_file_paths(const EnvLookup& env) {
  SharedFilePaths p;
  p.credentials_file = env("AWS_SHARED_CREDENTIALS_FILE").value_or(home(env) + "/.aws/credentials");
  p.config_file = env("AWS_CONFIG_FILE").value_or(home(env) + "/.aws/config");
  p.profile = env("AWS_PROFILE").value_or("default");
  return p;
}

Result<KeyValues> read_profile(const SharedFilePaths& paths) {
  const std::string& name = paths.profile;
  auto creds = read_section(paths.credentials_file, [&](const std::string& s) { return s == name; });
  if (!creds.ok()) return creds.error();
  auto config = read_section(paths.config_file, [&](const std::string& s) {
    if (s == "profile " + name) return true;
    return name == "default" && s == "default";  // only the default profile may omit "profile "
  });
  if (!config.ok()) return config.error();
  if (!*creds && !*config) {
    return make_error(ErrorKind::kNotFound, "ProfileNotFound",
                      "profile '" + name + "' is in neither " + paths.credentials_file + " nor " + paths.config_file);
  }
  KeyValues merged = config->value_or(KeyValues());
  for (const auto& [k, v] : creds->value_or(KeyValues())) {
    bool replaced = false;
    for (auto& kv : merged)
      if (kv.first == k) kv.second = v, replaced = true;
    if (!replaced) merged.emplace_back(k, v);
  }
  return merged;
}

}  // namespace ebbflow::aws
