// The port between the traditional-mode daemons (jobwatcher, sqswatcher, nodewatcher) and a
// scheduler: Slurm, Son of Grid Engine or Torque. One implementation per scheduler
// (scheduler/slurm/traditional_slurm.h, scheduler/sge/sge_scheduler.h,
// scheduler/torque/torque_scheduler.h), each the only code that knows that scheduler's
// commands; the daemons decide, the adapters observe and act.
//
// Errors: a failed or timed-out scheduler command is kUnavailable (state UNKNOWN, never
// "down" or "idle": reference section 13, issue 1763); output that cannot be parsed is
// kInvalidInput naming the command. Host names are validated before they reach an argv.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow::sched {

// What one compute node offers (reference 1.2): scheduler slots and GPUs.
struct NodeCapacity {
  int slots = 1;
  int gpus = 0;
};

// A compute host joining or leaving (sqswatcher's ADD/REMOVE events, reference 3.2).
struct Host {
  std::string instance_id;
  std::string hostname;  // short name, as the scheduler knows it
  int slots = 1;
  int gpus = 0;
};

// Per-host outcome of add_hosts/remove_hosts: a host is in exactly one list.
struct HostUpdateResult {
  std::vector<std::string> succeeded;  // hostnames
  std::vector<std::string> failed;     // hostnames
  std::vector<std::string> messages;   // why each failure happened, for the log ("host: reason")
};

enum class NodeHealth {
  kUp,        // known to the scheduler and usable (idle, busy, or locked by us)
  kDown,      // known but down / error / orphaned / unknown-state as the scheduler reports it
  kMissing,   // the scheduler does not know this host
};

class TraditionalScheduler {
 public:
  virtual ~TraditionalScheduler() = default;
  virtual std::string name() const = 0;  // "slurm" | "sge" | "torque"

  // jobwatcher (reference 2): nodes that run something now, and the number of nodes the
  // satisfiable pending jobs need (bin-packed per the scheduler's rules; jobs that more nodes
  // cannot help, e.g. held, or bigger than max_size nodes, are left out).
  virtual Result<int> busy_nodes() = 0;
  virtual Result<int> required_nodes(const NodeCapacity& node, int max_size) = 0;

  // nodewatcher (reference 4).
  virtual Result<bool> has_jobs(const std::string& hostname) = 0;
  virtual Result<bool> has_pending_jobs(const NodeCapacity& node, int max_size) = 0;
  virtual Result<NodeHealth> node_health(const std::string& hostname) = 0;
  virtual Status lock_host(const std::string& hostname) = 0;    // no new jobs (drain/disable/offline)
  virtual Status unlock_host(const std::string& hostname) = 0;

  // sqswatcher (reference 3.4): idempotent; adding a present host or removing an absent one
  // succeeds. A whole-call failure (scheduler unreachable) puts every host in `failed`.
  virtual HostUpdateResult add_hosts(const std::vector<Host>& hosts) = 0;
  virtual HostUpdateResult remove_hosts(const std::vector<Host>& hosts) = 0;
};

}  // namespace ebbflow::sched
