// What clustermgtd wants done: an ordered list of actions, each with the rule that produced it
// and a reason a human can read. The daemon executes them in order; `ebbflow plan` prints them.
#pragma once

#include <string>
#include <vector>

#include "core/cluster_model.h"

namespace ebbflow::core {

enum class ActionKind {
  kTerminateInstances,  // instance_ids
  kSetNodesDown,        // scontrol update state=down reason=...   (jobs are requeued)
  kDrainNodes,          // scontrol update state=drain reason=...  (no new jobs)
  kPowerDownNodes,      // state=power_down_force + NodeAddr/NodeHostName reset to the name
  kReleaseIdleNodes,    // state=power_down: Slurm powers the node down once it has no job (never kills one)
  kResetNodeAddrs,      // NodeAddr/NodeHostName reset to the name, state untouched
  kResetNodesDown,      // state=down + reset (static replacement, inactive partitions)
  kResumeNodes,         // state=resume (a replaced static node registered again)
  kLaunchNodes,         // launch one instance per node (static capacity), best effort
  kSetPartitionState,   // partition, state
};
const char* to_string(ActionKind kind);

struct Action {
  ActionKind kind;
  std::string rule;     // short stable id: "static-capacity", "orphaned-instance", ...
  std::string reason;   // written to Slurm (when the action sets a state) and to the event log
  std::vector<std::string> node_names;
  std::vector<std::string> instance_ids;
  std::string partition;
  std::string state;    // for kSetPartitionState
};

// A decision the manager took that is not an action (kept for the event log and `plan`).
struct Note {
  std::string rule;
  std::string node;
  std::string message;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<Note> notes;
  ManagerState next_state;
};

}  // namespace ebbflow::core
