#include "cloud/filters.h"

namespace ebbflow::cloud {

bool wildcard_match(const std::string& pattern, const std::string& text) {
  // Iterative matcher with single-star backtracking: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    // '*' first: tested after the literal case, a '*' in the text matched it as a plain
    // character and left no backtrack point ("a*b" did not match "a*xb").
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> instance_filter_values(const Instance& inst, const std::string& name, bool* known) {
  *known = true;
  if (name.rfind("tag:", 0) == 0) {
    auto it = inst.tags.find(name.substr(4));
    if (it == inst.tags.end()) return {};
    return {it->second};
  }
  if (name == "tag-key") {
    std::vector<std::string> keys;
    for (auto& [k, v] : inst.tags) keys.push_back(k);
    return keys;
  }
  if (name == "tag-value") {
    std::vector<std::string> values;
    for (auto& [k, v] : inst.tags) values.push_back(v);
    return values;
  }
  if (name == "instance-id") return {inst.id};
  if (name == "instance-state-name") return {inst.state};
  if (name == "instance-state-code") return {std::to_string(state_code(inst.state))};
  if (name == "private-ip-address" || name == "network-interface.addresses.private-ip-address") {
    return {inst.private_ip};
  }
  if (name == "private-dns-name") return {inst.private_dns_name};
  if (name == "instance-type") return {inst.instance_type};
  if (name == "client-token") return {inst.client_token};
  if (name == "reservation-id") return {inst.reservation_id};
  *known = false;
  return {};
}

Status validate_filters(const std::vector<QueryFilter>& filters,
                        const std::function<bool(const std::string&)>& known_name) {
  for (const auto& f : filters) {
    if (f.name.empty()) {
      return make_error(ErrorKind::kInvalidInput, "InvalidParameterValue", "a filter has no Name");
    }
    if (!known_name(f.name)) {
      return make_error(ErrorKind::kInvalidInput, "InvalidParameterValue",
                        "The filter '" + f.name + "' is invalid");
    }
  }
  return {};
}

bool matches_all(const std::vector<QueryFilter>& filters,
                 const std::function<std::vector<std::string>(const std::string&)>& values_of) {
  for (const auto& f : filters) {
    auto have = values_of(f.name);
    bool hit = false;
    for (const auto& want : f.values) {
      for (const auto& v : have) {
        if (wildcard_match(want, v)) {
          hit = true;
          break;
        }
      }
      if (hit) break;
    }
    if (!hit) return false;
  }
  return true;
}

}  // namespace ebbflow::cloud
