#include "cloud/query_params.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace ebbflow::cloud {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string form_decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

QueryParams QueryParams::parse(const std::string& form) {
  std::map<std::string, std::string> values;
  size_t pos = 0;
  while (pos <= form.size()) {
    size_t amp = form.find('&', pos);
    if (amp == std::string::npos) amp = form.size();
    std::string pair = form.substr(pos, amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = form_decode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : form_decode(pair.substr(eq + 1));
      values[key] = value;
    }
    pos = amp + 1;
  }
  return QueryParams(std::move(values));
}

std::optional<std::string> QueryParams::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string QueryParams::get_or(const std::string& name, const std::string& fallback) const {
  auto v = get(name);
  return v ? *v : fallback;
}

Result<std::optional<long long>> QueryParams::get_int(const std::string& name) const {
  auto v = get(name);
  if (!v) return std::optional<long long>{};
  long long n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || v->empty()) {
    return make_error(ErrorKind::kInvalidInput, "InvalidParameterValue",
                      "Invalid value '" + *v + "' for " + name + ": not an integer");
  }
  return std::optional<long long>{n};
}

bool QueryParams::get_bool(const std::string& name) const {
  auto v = get(name);
  if (!v) return false;
  std::string lower = *v;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "true";
}

std::vector<int> QueryParams::indices(const std::string& prefix) const {
  std::set<int> found;
  const std::string head = prefix + ".";
  for (auto it = values_.lower_bound(head); it != values_.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, head.size(), head) != 0) break;
    size_t start = head.size();
    size_t end = start;
    while (end < key.size() && std::isdigit(static_cast<unsigned char>(key[end]))) ++end;
    if (end == start || (end < key.size() && key[end] != '.')) continue;
    int n = 0;
    std::from_chars(key.data() + start, key.data() + end, n);
    found.insert(n);
  }
  return {found.begin(), found.end()};
}

std::vector<std::string> QueryParams::list(const std::string& prefix) const {
  std::vector<std::string> out;
  for (int i : indices(prefix)) {
    auto v = get(prefix + "." + std::to_string(i));
    if (v) out.push_back(*v);
  }
  return out;
}

std::vector<QueryFilter> QueryParams::filters(const std::string& prefix) const {
  std::vector<QueryFilter> out;
  for (int i : indices(prefix)) {
    std::string base = prefix + "." + std::to_string(i);
    QueryFilter f;
    f.name = get_or(base + ".Name", "");
    f.values = list(base + ".Value");
    out.push_back(std::move(f));
  }
  return out;
}

Tags QueryParams::tags(const std::string& prefix) const {
  Tags out;
  for (int i : indices(prefix)) {
    std::string base = prefix + "." + std::to_string(i);
    auto key = get(base + ".Key");
    if (key) out[*key] = get_or(base + ".Value", "");
  }
  return out;
}

Tags QueryParams::tag_specifications(const std::string& prefix, const std::string& resource_type) const {
  Tags out;
  for (int i : indices(prefix)) {
    std::string base = prefix + "." + std::to_string(i);
    if (get_or(base + ".ResourceType", "") != resource_type) continue;
    for (auto& [k, v] : tags(base + ".Tag")) out[k] = v;
  }
  return out;
}

}  // namespace ebbflow::cloud
