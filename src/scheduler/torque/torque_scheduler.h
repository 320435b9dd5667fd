// The Torque adapter of traditional mode (reference 2.4, 3.4, 4.4, 11.3): the only code that
// knows Torque's commands. It runs qstat/pbsnodes/qmgr through a CommandRunner (argv, never a
// shell), parses their output with torque_parse.h and reports facts; the daemons decide.
//
// UNTESTED AGAINST A LIVE SERVER: Torque is not packaged for Debian 12 and cannot be installed
// on this machine, so this adapter is checked only with the outputs ParallelCluster recorded
// from Torque 6.1 and a scripted CommandRunner (tests/unit/torque). See docs/architecture.md.
//
// Commands: `qstat -t -x` (jobs), `pbsnodes -x [H]` (nodes), `pbsnodes -o|-c H` (lock/unlock),
// `qmgr -c "create node h1,h2 np=N"` (add; one call per slot count) and `pbsnodes -o h1 h2`
// then `qmgr -c "delete node ..."` in chunks of 20 (remove).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "scheduler/torque/torque_parse.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/command.h"

namespace ebbflow::torque {

struct TorqueSettings {
  std::string bin_dir = "/opt/torque/bin";   // qstat, pbsnodes, qmgr; empty = found in PATH
  std::map<std::string, std::string> env;    // passed to every command (PBS_DEFAULT, ...)
  std::chrono::milliseconds timeout{60000};  // per command (the original used 60 s)
  size_t delete_chunk = 20;                  // hosts per `qmgr delete node` (time grows with it)
};

class TorqueScheduler : public sched::TraditionalScheduler {
 public:
  TorqueScheduler(CommandRunner& runner, TorqueSettings settings);

  std::string name() const override { return "torque"; }

  // Nodes (head node excluded) that have jobs, or are state-unknown without MOM-list-not-sent
  // (a node being added goes down,offline,MOM-list-not-sent -> down -> free and is not busy).
  Result<int> busy_nodes() override;
  // Queued (Q) jobs bin-packed with core::optimal_node_count. Left out: jobs with a ppn above
  // node.slots, an ncpus above node.slots, or more nodes than max_size (more nodes cannot help).
  Result<int> required_nodes(const sched::NodeCapacity& node, int max_size) override;

  // R or S jobs whose exec_host names the host.
  Result<bool> has_jobs(const std::string& hostname) override;
  Result<bool> has_pending_jobs(const sched::NodeCapacity& node, int max_size) override;
  // kMissing when pbsnodes does not know the host, kDown for down / state-unknown, else kUp:
  // "offline" alone is our own lock (pbsnodes -o), so it is up here, unlike the original.
  Result<sched::NodeHealth> node_health(const std::string& hostname) override;
  Status lock_host(const std::string& hostname) override;
  Status unlock_host(const std::string& hostname) override;

  sched::HostUpdateResult add_hosts(const std::vector<sched::Host>& hosts) override;
  sched::HostUpdateResult remove_hosts(const std::vector<sched::Host>& hosts) override;

  // `qmgr -c "set server scheduling=true"`: starts a scheduling cycle (the original did it every
  // minute while jobs were queued, and after adding nodes).
  Status wake_scheduler();

  // The raw views behind the decisions above.
  Result<std::vector<TorqueNode>> nodes();   // head node excluded
  Result<std::vector<TorqueJob>> jobs();

 private:
  CommandSpec spec(std::vector<std::string> argv) const;
  Result<CommandOutput> run(std::vector<std::string> argv);
  Result<std::string> query(std::vector<std::string> argv);
  Status pbsnodes_mark(const std::string& flag, const std::string& hostname);
  QmgrOutcome qmgr_nodes(const std::string& statement_prefix, const std::vector<std::string>& hosts,
                         const std::string& suffix, const std::vector<std::string>& ignored);
  std::vector<TorqueJob> helpful_pending(const std::vector<TorqueJob>& jobs,
                                         const sched::NodeCapacity& node, int max_size) const;

  CommandRunner& runner_;
  const TorqueSettings settings_;
};

}  // namespace ebbflow::torque
