// The scheduler's view of one Slurm node, and the predicates clustermgtd decides with.
//
// State flags are a bitmask parsed once from scontrol's "State=IDLE+CLOUD+POWERED_DOWN" string.
// Predicates follow ../shared/reference/parallelcluster-behavior.md section 5.4, but match flags
// rather than exact flag sets where the original's exact-set comparisons broke across Slurm
// versions (reference section 13, PR 702): see each predicate's comment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ebbflow::core {

enum NodeFlag : uint32_t {
  kIdle = 1u << 0,
  kMixed = 1u << 1,
  kAllocated = 1u << 2,
  kCompleting = 1u << 3,
  kDown = 1u << 4,
  kDrain = 1u << 5,
  kCloud = 1u << 6,
  kPowerDown = 1u << 7,      // POWER_DOWN (!)
  kPoweringDown = 1u << 8,   // POWERING_DOWN (%)
  kPoweredDown = 1u << 9,    // POWERED_DOWN (~)
  kPoweringUp = 1u << 10,    // POWERING_UP (#)
  kNotResponding = 1u << 11, // NOT_RESPONDING (*)
  kRebootRequested = 1u << 12,
  kRebootIssued = 1u << 13,
  kInvalidReg = 1u << 14,
  kReserved = 1u << 15,
  kMaintenance = 1u << 16,
  kFail = 1u << 17,
  kFuture = 1u << 18,
  kUnknownState = 1u << 19,
  kDrained = 1u << 20,   // Slurm sometimes prints DRAINED/DRAINING as base states
  kDraining = 1u << 21,
  kPlanned = 1u << 22,
  kOther = 1u << 31,     // any flag we do not know; kept so exact-set tests stay honest
};

// Parses "IDLE+CLOUD+POWERED_DOWN" (also the Slurm 20 "idle~" short forms are NOT accepted here:
// ebbflow targets Slurm >= 21.08 notation). Unknown words set kOther.
uint32_t parse_node_state(std::string_view state_string);
std::string node_state_to_string(uint32_t flags);

enum class NodeType { kStatic, kDynamic };

struct NodeName {
  std::string queue;
  NodeType type = NodeType::kDynamic;
  std::string compute_resource;
  int index = 0;
};

// Parses "{queue}-{st|dy}-{resource}-{N}" greedily as the original does
// ("queue1-st-dy-c5xlarge-1" -> queue "queue1-st", type dy). nullopt if it does not match
// (dots, underscores, upper case, missing index).
std::optional<NodeName> parse_node_name(std::string_view name);
std::string make_node_name(std::string_view queue, NodeType type, std::string_view cr, int index);

struct SlurmNode {
  std::string name;
  std::string addr;       // NodeAddr; equals name when no instance is bound
  std::string hostname;   // NodeHostName
  std::string state_string;
  uint32_t flags = 0;
  std::vector<std::string> partitions;
  std::string reason;     // may be empty
  std::optional<int64_t> slurmd_start_time;  // Unix seconds
  std::optional<int64_t> last_busy_time;
  std::string reservation;

  // Derived from the name (filled by the parser); nodes whose name does not parse are dropped.
  std::string queue;
  std::string compute_resource;
  NodeType type = NodeType::kDynamic;

  bool has(uint32_t f) const { return (flags & f) != 0; }
  bool is_static() const { return type == NodeType::kStatic; }
  bool is_nodeaddr_set() const { return addr != name; }
  bool has_job() const { return has(kMixed | kAllocated | kCompleting); }
  bool is_down() const;
  bool is_drained() const;
  bool is_up() const;
  // Power-saved ("idle~"): IDLE + POWERED_DOWN, with no job. Matches flags, not an exact set.
  bool is_power() const;
  bool is_powering_down() const { return has(kPoweringDown); }
  bool is_powering_up() const { return has(kPoweringUp); }
  bool is_rebooting() const { return has(kRebootRequested | kRebootIssued); }
  bool is_in_maintenance() const { return has(kMaintenance) && has(kReserved); }
  // Registered and usable: no DOWN/DRAIN/power flags, no NOT_RESPONDING.
  bool is_online() const;
  bool is_configuring_job() const { return is_powering_up() && has_job(); }
  bool is_power_with_job() const { return has(kPoweredDown) && has(kMixed); }
  bool is_running_job() const { return !is_powering_up() && has_job() && !is_power_with_job(); }
  // Resume failed / ResumeTimeout: DOWN + POWERED_DOWN (with or without NOT_RESPONDING).
  bool is_resume_failed() const { return has(kDown) && has(kPoweredDown); }
  bool is_powering_up_idle() const { return has(kIdle) && is_powering_up(); }
  // Flags first: is_nodeaddr_set() compares two strings (heap data for a node without address).
  bool is_powering_down_with_nodeaddr() const { return (is_power() || is_powering_down()) && is_nodeaddr_set(); }
  // "(Code:InsufficientInstanceCapacity)Failure when ..." -> "InsufficientInstanceCapacity".
  std::string error_code() const;
  bool is_ice() const;
};

bool is_insufficient_capacity_code(std::string_view code);

}  // namespace ebbflow::core
