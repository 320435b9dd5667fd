// The Son of Grid Engine adapter of traditional mode (reference 2.3, 3.4, 4.4, 11.2): the only
// code that knows SGE's commands. It runs qstat/qconf/qmod through a CommandRunner (argv, never
// a shell), parses their output with sge_parse.h, and reports facts; the daemons decide.
//
// Commands: `qstat -xml -g dt -u * -f` (hosts), `-s p` (pending), `-l hostname=H -s rs` (a host's
// jobs); `qmod -d|-e all.q@H` (lock/unlock); `qconf -ah/-as/-aattr` (add) and `qconf -purge/
// -dattr/-de/-ds/-dh` (remove, in the order SGE accepts: a host still referenced by the queue
// or host group cannot be deleted as an execution host). Starting sge_execd on a new host is
// NOT done here: the compute node starts its own execd once it is an admin host.
// On a cluster made by ebbflow, bin_dir is <cluster>/bin, whose wrappers run the real clients
// inside the qmaster's network namespace.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "scheduler/sge/sge_parse.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/command.h"

namespace ebbflow::sge {

struct SgeSettings {
  std::string bin_dir;                       // holds qstat, qconf, qmod; empty = found in PATH
  std::map<std::string, std::string> env;    // passed to every command: SGE_ROOT, SGE_CELL, ...
  std::string queue = "all.q";               // the cluster queue compute hosts serve
  std::string hostgroup = "@allhosts";       // the host group all.q's hostlist names
  std::chrono::milliseconds timeout{60000};  // per command (the original used 60 s)
};

class SgeScheduler : public sched::TraditionalScheduler {
 public:
  SgeScheduler(CommandRunner& runner, SgeSettings settings);

  std::string name() const override { return "sge"; }

  // Hosts whose queue instance is not disabled ('d' = locked by nodewatcher) and that run or
  // reserve slots or are suspended/error/preempted (C,s,D,E,P); orphaned ('o') hosts never
  // count, unknown ('u') and alarm ('a') alone do not make a host busy.
  Result<int> busy_nodes() override;
  // ceil(sum of slots of the pending jobs more nodes can help / node.slots). Left out: held
  // ('h') and error ('E') jobs, and jobs needing more slots than max_size nodes offer.
  Result<int> required_nodes(const sched::NodeCapacity& node, int max_size) override;

  // Running or suspended jobs on the host (`qstat ... -l hostname=<short> -s rs`).
  Result<bool> has_jobs(const std::string& hostname) override;
  Result<bool> has_pending_jobs(const sched::NodeCapacity& node, int max_size) override;
  // kMissing when qstat does not list the host, kDown for states u, E or o, else kUp
  // (disabled 'd' is our own lock: up). A failed qstat is kUnavailable, never kDown. Both
  // per-host queries fall back to the unfiltered listing when the -l hostname= one fails.
  Result<sched::NodeHealth> node_health(const std::string& hostname) override;
  Status lock_host(const std::string& hostname) override;
  Status unlock_host(const std::string& hostname) override;

  sched::HostUpdateResult add_hosts(const std::vector<sched::Host>& hosts) override;
  sched::HostUpdateResult remove_hosts(const std::vector<sched::Host>& hosts) override;

  // The raw views behind the decisions above (status pages, tests).
  Result<std::vector<SgeHost>> hosts();
  Result<std::vector<SgeJob>> pending_jobs();

 private:
  CommandSpec spec(std::vector<std::string> argv) const;
  // Runs a query; kUnavailable when it cannot run or exits non-zero.
  Result<std::string> query(std::vector<std::string> argv);
  // Runs a command and returns its output whatever the exit status; kUnavailable only when it
  // could not run at all (spawn failure, timeout).
  Result<CommandOutput> run(std::vector<std::string> argv);
  // `argv` plus `-l hostname=<short>` (before any -s); when that exits non-zero, the same
  // query without -l (every host; the caller filters). `command` gets the argv that answered.
  Result<std::string> per_host_query(std::vector<std::string> argv, const std::string& hostname,
                                     std::string* command);
  Status qmod(const std::string& flag, const std::string& hostname);
  // One batched `qconf -ah|-as|-dh|-ds|-de h1,h2,...`; every host fails when qconf cannot run.
  QconfOutcome qconf_host_list(QconfHostOp op, const std::vector<std::string>& hosts);
  // One per-host qconf step: its output on success (exit 0 without a refusal, or, with
  // `absent_ok`, SGE saying the thing does not exist); kUnavailable when the qmaster cannot be
  // reached (the caller then stops the batch), kInvalidInput for any other refusal.
  Result<std::string> qconf_step(std::vector<std::string> argv, bool absent_ok);
  std::vector<SgeJob> helpful_pending(const std::vector<SgeJob>& jobs,
                                      const sched::NodeCapacity& node, int max_size) const;

  CommandRunner& runner_;
  const SgeSettings settings_;
};

}  // namespace ebbflow::sge
