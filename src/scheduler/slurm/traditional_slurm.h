// Slurm as a traditional-mode scheduler (sched::TraditionalScheduler): what jobwatcher,
// sqswatcher and nodewatcher need from Slurm, with hosts joining and leaving WITHOUT a
// slurmctld restart (reference section 13, item 2).
//
// How hosts join: the head's slurm.conf pre-declares MaxSize node SLOTS, "compute-[1-N]",
// State=FUTURE, each with its own slurmd Port (all slurmd of a local cluster share one machine).
// add_hosts binds a free slot to a host (`scontrol update NodeName=compute-3
// NodeAddr=<ip> NodeHostname=<host>`); the compute node then finds its slot by hostname and
// starts `slurmd -N compute-3`, whose registration turns the slot IDLE. remove_hosts marks the
// slot DOWN (so Slurm requeues anything still on it), then back to FUTURE with its address reset,
// free for the next host. Slurm 22.05's dynamic nodes (`scontrol create`, `slurmd -Z`) were tried
// first and rejected: slurmctld reaches a dynamic node on the global SlurmdPort only (a per-node
// Port is ignored), so two slurmd on one machine cannot both be dynamic. See docs/operations.md.
//
// Hosts are known by their short hostname (the daemons' currency); the slot behind a host is
// found with one `scontrol -o show nodes --future` per call. A failed Slurm command is
// kUnavailable: the caller treats the answer as unknown, never as down or idle.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scheduler/slurm/slurm_client.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/command.h"

namespace ebbflow::slurm {

// One record of `scontrol -o show nodes --future`.
struct SlotNode {
  std::string name;
  std::string addr;
  std::string hostname;
  std::string state;   // e.g. IDLE, MIXED+DRAIN, FUTURE, DOWN+NOT_RESPONDING, IDLE*
  std::string reason;  // empty when none
  bool bound() const { return hostname != name; }  // a host has been given this slot
  bool has_flag(const std::string& flag) const;    // flag of the '+'-separated state
};

// Parses `scontrol -o show nodes --future` (one node per line; Reason is the last field).
// kInvalidInput when a non-empty line has no NodeName.
Result<std::vector<SlotNode>> parse_slot_nodes(const std::string& output);

// The slot names the head's slurm.conf declares: prefix-1 .. prefix-max_size.
inline constexpr const char* kSlotPrefix = "compute";

// "ip-127-201-0-7" -> "127.201.0.7" (the EC2 private DNS name pattern); nullopt otherwise.
std::optional<std::string> address_from_hostname(const std::string& hostname);

// The reason nodewatcher's lock sets; a DRAIN with this reason is "up, locked by us".
inline constexpr const char* kLockReason = "ebbflow nodewatcher: idle, shutting down";

class TraditionalSlurm : public sched::TraditionalScheduler {
 public:
  TraditionalSlurm(CommandRunner& runner, SlurmPaths paths);

  std::string name() const override { return "slurm"; }
  Result<int> busy_nodes() override;
  Result<int> required_nodes(const sched::NodeCapacity& node, int max_size) override;
  Result<bool> has_jobs(const std::string& hostname) override;
  Result<bool> has_pending_jobs(const sched::NodeCapacity& node, int max_size) override;
  Result<sched::NodeHealth> node_health(const std::string& hostname) override;
  Status lock_host(const std::string& hostname) override;
  Status unlock_host(const std::string& hostname) override;
  sched::HostUpdateResult add_hosts(const std::vector<sched::Host>& hosts) override;
  sched::HostUpdateResult remove_hosts(const std::vector<sched::Host>& hosts) override;

  // Every slot (bound or not). kUnavailable when Slurm cannot be asked.
  Result<std::vector<SlotNode>> slots();
  // The slot bound to `hostname`; nullopt when none is.
  Result<std::optional<SlotNode>> slot_of(const std::string& hostname);

 private:
  Result<std::string> read(std::vector<std::string> argv);
  Result<std::string> pending_squeue();
  CommandRunner& runner_;
  SlurmPaths paths_;
  SlurmClient client_;
};

}  // namespace ebbflow::slurm
