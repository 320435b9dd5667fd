// State-flag parsing, node-name parsing and the SlurmNode predicates (see slurm_node.h).
#include "core/slurm_node.h"

#include <array>

namespace ebbflow::core {
namespace {

struct FlagName {
  std::string_view name;
  uint32_t flag;
};

// Base states first, then flags in the alphabetical order scontrol prints them, so
// node_state_to_string reproduces strings like "IDLE+CLOUD+MAINTENANCE+POWERED_DOWN+RESERVED".
constexpr std::array<FlagName, 22> kFlagNames{{
    {"IDLE", kIdle},
    {"MIXED", kMixed},
    {"ALLOCATED", kAllocated},
    {"DOWN", kDown},
    {"FUTURE", kFuture},
    {"UNKNOWN", kUnknownState},
    {"DRAINED", kDrained},
    {"DRAINING", kDraining},
    {"CLOUD", kCloud},
    {"COMPLETING", kCompleting},
    {"DRAIN", kDrain},
    {"FAIL", kFail},
    {"INVALID_REG", kInvalidReg},
    {"MAINTENANCE", kMaintenance},
    {"NOT_RESPONDING", kNotResponding},
    {"PLANNED", kPlanned},
    {"POWER_DOWN", kPowerDown},
    {"POWERED_DOWN", kPoweredDown},
    {"POWERING_DOWN", kPoweringDown},
    {"POWERING_UP", kPoweringUp},
    {"REBOOT_ISSUED", kRebootIssued},
    {"REBOOT_REQUESTED", kRebootRequested},
}};
// RESERVED sorts last in scontrol's output, after REBOOT_*.
constexpr FlagName kReservedName{"RESERVED", kReserved};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool equals_upper(std::string_view word, std::string_view upper_name) {
  if (word.size() != upper_name.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (upper(word[i]) != upper_name[i]) return false;
  }
  return true;
}

uint32_t flag_of_word(std::string_view word) {
  for (const auto& f : kFlagNames) {
    if (equals_upper(word, f.name)) return f.flag;
  }
  if (equals_upper(word, kReservedName.name)) return kReservedName.flag;
  // Slurm prints further words (DYNAMIC_NORM, DYNAMIC_FUTURE, POWER_UP, BLOCKED, PERFCTRS, and
  // Slurm 20's "POWER") that ebbflow does not decide on; they are kept as kOther.
  return kOther;
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Drain in any of its spellings: the DRAIN flag, or the DRAINED/DRAINING base words.
constexpr uint32_t kAnyDrain = kDrain | kDrained | kDraining;

}  // namespace

uint32_t parse_node_state(std::string_view state_string) {
  uint32_t flags = 0;
  size_t start = 0;
  while (start <= state_string.size()) {
    size_t plus = state_string.find('+', start);
    if (plus == std::string_view::npos) plus = state_string.size();
    std::string_view word = state_string.substr(start, plus - start);
    if (!word.empty()) flags |= flag_of_word(word);
    start = plus + 1;
  }
  return flags;
}

std::string node_state_to_string(uint32_t flags) {
  std::string out;
  auto append = [&](std::string_view name) {
    if (!out.empty()) out += '+';
    out += name;
  };
  for (const auto& f : kFlagNames) {
    if (flags & f.flag) append(f.name);
  }
  if (flags & kReserved) append(kReservedName.name);
  if (flags & kOther) append("OTHER");
  return out;
}

std::optional<NodeName> parse_node_name(std::string_view name) {
  // Equivalent to the anchored regex ^([a-z0-9-]+)-(st|dy)-([a-z0-9-]+)-\d+$ with its greedy
  // first group: the index is what follows the last '-', and the queue ends at the LAST
  // "-st-"/"-dy-" that still leaves a non-empty compute-resource name before that '-'.
  for (char c : name) {
    if (!is_name_char(c)) return std::nullopt;
  }
  size_t last_dash = name.rfind('-');
  if (last_dash == std::string_view::npos || last_dash + 1 >= name.size()) return std::nullopt;
  std::string_view digits = name.substr(last_dash + 1);
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
  }
  // A number longer than 9 digits would overflow int: such names are not ours.
  size_t first_nonzero = digits.find_first_not_of('0');
  if (first_nonzero != std::string_view::npos && digits.size() - first_nonzero > 9) return std::nullopt;
  // The separator "-xx-" starts at p >= 1 (non-empty queue) and p + 4 < last_dash (non-empty CR).
  if (last_dash < 5) return std::nullopt;
  for (size_t p = last_dash - 5 + 1; p-- > 1;) {
    if (name[p] != '-' || name[p + 3] != '-') continue;
    std::string_view type = name.substr(p + 1, 2);
    if (type != "st" && type != "dy") continue;
    NodeName out;
    out.queue = std::string(name.substr(0, p));
    out.type = type == "st" ? NodeType::kStatic : NodeType::kDynamic;
    out.compute_resource = std::string(name.substr(p + 4, last_dash - (p + 4)));
    out.index = 0;
    for (char c : digits) out.index = out.index * 10 + (c - '0');
    return out;
  }
  return std::nullopt;
}

std::string make_node_name(std::string_view queue, NodeType type, std::string_view cr, int index) {
  std::string out;
  out.reserve(queue.size() + cr.size() + 16);
  out.append(queue);
  out.append(type == NodeType::kStatic ? "-st-" : "-dy-");
  out.append(cr);
  out.push_back('-');
  out.append(std::to_string(index));
  return out;
}

bool SlurmNode::is_down() const {
  return has(kDown) && !has(kPoweringDown) && (!has(kPowerDown) || has(kPoweredDown));
}

bool SlurmNode::is_drained() const {
  if (has(kDrained)) return true;
  return has(kDrain) && (has(kIdle) || is_down()) && !has(kCompleting);
}

bool SlurmNode::is_up() const { return !has(kAnyDrain) && !is_down() && !is_powering_down(); }

// Power-saved: flags, not the original's exact sets, so a drained or reserved idle~ node counts.
bool SlurmNode::is_power() const { return has(kIdle) && has(kPoweredDown) && !has_job(); }

// The original compared the whole state string with four exact values (IDLE+CLOUD, ...); here
// any flag that means "not usable right now" excludes the node, and other flags (RESERVED,
// MAINTENANCE, REBOOT_REQUESTED, PLANNED, unknown words) do not.
bool SlurmNode::is_online() const {
  constexpr uint32_t kNotOnline = kDown | kAnyDrain | kFail | kNotResponding | kPowerDown | kPoweringDown |
                                  kPoweredDown | kPoweringUp | kInvalidReg | kFuture | kUnknownState;
  return !has(kNotOnline) && has(kIdle | kMixed | kAllocated | kCompleting);
}

std::string SlurmNode::error_code() const {
  constexpr std::string_view kPrefix = "(Code:";
  if (reason.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  size_t close = reason.find(')', kPrefix.size());
  if (close == std::string::npos) return {};
  return reason.substr(kPrefix.size(), close - kPrefix.size());
}

bool SlurmNode::is_ice() const { return is_insufficient_capacity_code(error_code()); }

bool is_insufficient_capacity_code(std::string_view code) {
  return code == "InsufficientInstanceCapacity" || code == "InsufficientHostCapacity" ||
         code == "InsufficientReservedInstanceCapacity" || code == "MaxSpotInstanceCountExceeded" ||
         code == "Unsupported" || code == "SpotMaxPriceTooLow";
}

}  // namespace ebbflow::core
