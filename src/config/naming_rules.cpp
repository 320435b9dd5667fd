#include "config/naming_rules.h"

namespace ebbflow::config {
namespace {

std::optional<std::string> check_common(const std::string& name, const char* what) {
  if (name.empty()) return std::string(what) + " name must not be empty";
  if (!(name[0] >= 'a' && name[0] <= 'z'))
    return std::string(what) + " name '" + name +
           "' must start with a lowercase letter (names become Slurm node names: ^[a-z][a-z0-9-]*$)";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      std::string shown = (c >= 'A' && c <= 'Z') ? std::string("uppercase '") + c + "'" : std::string("'") + c + "'";
      return std::string(what) + " name '" + name + "' contains " + shown +
             ": only lowercase letters, digits and '-' are allowed, because the name is part of every Slurm "
             "node name ({queue}-{st|dy}-{resource}-{N}) and other characters make the node name unparsable";
    }
  }
  if (name.size() > kMaxNameLength)
    return std::string(what) + " name '" + name + "' is " + std::to_string(name.size()) + " characters long; at most " +
           std::to_string(kMaxNameLength) + " are allowed (it becomes part of node and host names)";
  if (name.back() == '-')
    return std::string(what) + " name '" + name + "' must not end with '-' (node names would contain '--')";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_queue_name(const std::string& name) { return check_common(name, "queue"); }

std::optional<std::string> check_compute_resource_name(const std::string& name) {
  if (auto bad = check_common(name, "compute resource")) return bad;
  for (const char* t : {"st", "dy"}) {
    std::string prefix = std::string(t) + "-";
    std::string infix = "-" + prefix;
    bool starts = name.rfind(prefix, 0) == 0;
    bool contains = name.find(infix) != std::string::npos;
    if (starts || contains) {
      return "compute resource name '" + name + "' " + (starts ? "starts with '" + prefix + "'" : "contains '" + infix + "'") +
             ": node names are {queue}-{st|dy}-{resource}-{N} and are split by the greedy regex "
             "^([a-z0-9\\-]+)-(st|dy)-([a-z0-9\\-]+)-\\d+$, so e.g. node 'q-st-" + name +
             "-1' would be read as a different queue and resource; choose a name without '" + prefix + "' at the start "
             "or '" + infix + "' inside";
    }
  }
  return std::nullopt;
}

}  // namespace ebbflow::config
