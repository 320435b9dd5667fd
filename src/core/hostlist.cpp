// Slurm hostlist expansion and compression (see hostlist.h).
//
// Expansion follows Slurm's syntax for the forms Slurm itself prints: comma-separated items, each
// a plain name or "prefix[ranges]suffix" with one bracket group; ranges are "N" or "N-M" joined by
// commas; a range whose low bound has a leading zero ("001") pads every name to its width.
// Compression groups names by (prefix, zero-padding width, suffix) around their last digit run.
#include "core/hostlist.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <unordered_set>

namespace ebbflow::core {
namespace {

constexpr size_t kMaxNames = 1'000'000;
constexpr size_t kMaxDigits = 18;  // fits uint64 with room for a range end

Error bad(std::string_view expr, size_t pos, std::string_view what) {
  return make_error(ErrorKind::kInvalidInput, "InvalidHostlist",
                    "hostlist \"" + std::string(expr.substr(0, 200)) + "\": " + std::string(what) +
                        " at position " + std::to_string(pos));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hostlist_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void append_number(std::string& out, uint64_t value, size_t width) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  size_t len = static_cast<size_t>(end - buf);
  if (len < width) out.append(width - len, '0');
  out.append(buf, len);
}

// Parses a decimal number of 1..kMaxDigits digits; false otherwise.
bool parse_number(std::string_view s, uint64_t& value) {
  if (s.empty() || s.size() > kMaxDigits) return false;
  value = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// Expands one item ("prefix[ranges]suffix" or a plain name) starting at `offset` in `expr`.
Status expand_item(std::string_view expr, size_t offset, std::string_view item, std::vector<std::string>& out) {
  if (item.empty()) return bad(expr, offset, "empty item");
  size_t open = item.find('[');
  size_t close = item.find(']');
  if (open == std::string_view::npos) {
    if (close != std::string_view::npos) return bad(expr, offset + close, "']' without '['");
    if (out.size() >= kMaxNames) return bad(expr, offset, "more than 1000000 names");
    out.emplace_back(item);
    return {};
  }
  if (close == std::string_view::npos || close < open) return bad(expr, offset + open, "unbalanced '['");
  std::string_view prefix = item.substr(0, open);
  std::string_view ranges = item.substr(open + 1, close - open - 1);
  std::string_view suffix = item.substr(close + 1);
  if (suffix.find_first_of("[]") != std::string_view::npos) {
    return bad(expr, offset + close + 1, "only one bracketed range group per item is supported");
  }
  if (ranges.empty()) return bad(expr, offset + open, "empty range group");
  size_t start = 0;
  while (start <= ranges.size()) {
    size_t comma = ranges.find(',', start);
    if (comma == std::string_view::npos) comma = ranges.size();
    std::string_view range = ranges.substr(start, comma - start);
    size_t range_pos = offset + open + 1 + start;
    if (range.empty()) return bad(expr, range_pos, "empty range");
    size_t dash = range.find('-');
    std::string_view lo_s = range.substr(0, dash);
    std::string_view hi_s = dash == std::string_view::npos ? lo_s : range.substr(dash + 1);
    uint64_t lo = 0, hi = 0;
    if (!parse_number(lo_s, lo) || !parse_number(hi_s, hi)) {
      return bad(expr, range_pos, "range \"" + std::string(range) + "\" is not N or N-M");
    }
    if (hi < lo) return bad(expr, range_pos, "range \"" + std::string(range) + "\" is descending");
    if (hi - lo >= kMaxNames || out.size() + (hi - lo + 1) > kMaxNames) {
      return bad(expr, range_pos, "more than 1000000 names");
    }
    // Slurm pads to the low bound's width when it has a leading zero ("[001-010]").
    size_t width = (lo_s.size() > 1 && lo_s[0] == '0') ? lo_s.size() : 0;
    for (uint64_t v = lo; v <= hi; ++v) {
      std::string& name = out.emplace_back();
      name.reserve(prefix.size() + suffix.size() + 20);
      name.append(prefix);
      append_number(name, v, width);
      name.append(suffix);
    }
    start = comma + 1;
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> expand_hostlist(std::string_view expr) {
  // Trailing whitespace (a command's output ends in a newline) is trimmed; whitespace inside is
  // an error. One set for both: '\r' inside used to pass as part of a name, so a name ending in
  // it did not survive compress and expand (fuzzing finding 13).
  while (!expr.empty() && is_hostlist_space(expr.back())) expr.remove_suffix(1);
  std::vector<std::string> out;
  if (expr.empty()) return out;
  size_t item_start = 0;
  int depth = 0;
  for (size_t i = 0; i <= expr.size(); ++i) {
    char c = i < expr.size() ? expr[i] : ',';
    if (c == '[') {
      if (++depth > 1) return bad(expr, i, "nested '['");
    } else if (c == ']') {
      if (--depth < 0) return bad(expr, i, "']' without '['");
    } else if (c == ',' && depth == 0) {
      Status st = expand_item(expr, item_start, expr.substr(item_start, i - item_start), out);
      if (!st.ok()) return st.error();
      item_start = i + 1;
    } else if (is_hostlist_space(c)) {
      return bad(expr, i, "whitespace");
    }
  }
  if (depth != 0) return bad(expr, expr.size(), "unbalanced '['");
  return out;
}

namespace {

struct GroupKey {
  std::string_view prefix;
  std::string_view suffix;
  size_t width;  // 0 = unpadded; SIZE_MAX for a plain name
  bool operator==(const GroupKey& o) const { return width == o.width && prefix == o.prefix && suffix == o.suffix; }
};

struct GroupKeyHash {
  size_t operator()(const GroupKey& k) const {
    std::hash<std::string_view> h;
    return h(k.prefix) * 31 + h(k.suffix) * 7 + k.width;
  }
};

struct Group {
  GroupKey key;
  std::vector<uint64_t> numbers;
  bool plain = false;  // a name without digits: emitted as is
};

size_t digit_count(uint64_t v) {
  size_t n = 1;
  while (v >= 10) { v /= 10; ++n; }
  return n;
}

void emit_group(const Group& g, std::string& out) {
  if (!out.empty()) out += ',';
  if (g.plain) {
    out.append(g.key.prefix);
    return;
  }
  const auto& nums = g.numbers;
  if (nums.size() == 1) {
    out.append(g.key.prefix);
    append_number(out, nums[0], g.key.width);
    out.append(g.key.suffix);
    return;
  }
  out.append(g.key.prefix);
  out += '[';
  for (size_t i = 0; i < nums.size();) {
    size_t j = i;
    while (j + 1 < nums.size() && nums[j + 1] == nums[j] + 1) ++j;
    if (i > 0) out += ',';
    append_number(out, nums[i], g.key.width);
    if (j > i) {
      out += '-';
      append_number(out, nums[j], g.key.width);
    }
    i = j + 1;
  }
  out += ']';
  out.append(g.key.suffix);
}

}  // namespace

std::string compress_hostlist(const std::vector<std::string>& names) {
  // First pass: split every name around its last digit run.
  struct Parsed {
    GroupKey key;
    uint64_t value = 0;
    bool plain = false;
  };
  std::vector<Parsed> parsed;
  parsed.reserve(names.size());
  std::unordered_set<GroupKey, GroupKeyHash> padded_keys;  // (prefix, suffix, width) of padded names
  size_t total_chars = 0;
  for (const std::string& full : names) {
    std::string_view name(full);
    total_chars += name.size();
    // The number is the last run of digits (so "a12b" groups as prefix "a", suffix "b").
    size_t end = name.size();
    while (end > 0 && !is_digit(name[end - 1])) --end;
    size_t begin = end;
    while (begin > 0 && is_digit(name[begin - 1])) --begin;
    // Plain names get a width no numbered group can have, so "abc" never merges with "abc1".
    Parsed p{GroupKey{name, {}, SIZE_MAX}};
    p.plain = end == 0 || end - begin > kMaxDigits || !parse_number(name.substr(begin, end - begin), p.value);
    if (!p.plain) {
      p.key.prefix = name.substr(0, begin);
      p.key.suffix = name.substr(end);
      p.key.width = (end - begin > 1 && name[begin] == '0') ? end - begin : 0;
      if (p.key.width != 0) padded_keys.insert(p.key);
    }
    parsed.push_back(p);
  }
  // Second pass: group in order of first appearance. An unpadded number with as many digits as a
  // padded group's width ("n100" beside "n099") prints identically inside that group, so it
  // belongs to it and the output gets shorter. Deciding that before grouping (rather than moving
  // numbers afterwards) keeps the group order a function of the names alone, so compressing the
  // expansion of the output gives the output again, order included.
  std::vector<Group> groups;
  std::unordered_map<GroupKey, size_t, GroupKeyHash> index;
  index.reserve(64);
  for (Parsed& p : parsed) {
    if (!p.plain && p.key.width == 0 && !padded_keys.empty()) {
      GroupKey padded{p.key.prefix, p.key.suffix, digit_count(p.value)};
      if (padded.width > 1 && padded_keys.count(padded)) p.key = padded;
    }
    auto [it, inserted] = index.try_emplace(p.key, groups.size());
    if (inserted) groups.push_back(Group{p.key, {}, p.plain});
    if (!p.plain) groups[it->second].numbers.push_back(p.value);
  }
  std::string out;
  out.reserve(total_chars / 4 + 64);
  for (auto& g : groups) {
    if (!g.plain) {
      std::sort(g.numbers.begin(), g.numbers.end());
      g.numbers.erase(std::unique(g.numbers.begin(), g.numbers.end()), g.numbers.end());
    }
    emit_group(g, out);
  }
  return out;
}

}  // namespace ebbflow::core
