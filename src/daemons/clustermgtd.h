// clustermgtd: the head-node daemon of queue mode. Each iteration:
//   observe (Slurm nodes and partitions, compute instances, instance health)
//   -> decide (core::decide_iteration, pure)
//   -> record (the next state, in SQLite, before acting)
//   -> act (scontrol updates, TerminateInstances, launches)
//   -> record outcome (state, event log), then write the heartbeat.
// A failed Slurm or cloud read ends the iteration at once: nothing is decided from missing
// information and no heartbeat is written (so computemgtd and resume can tell).
#pragma once

#include <chrono>
#include <string>

#include "aws/ec2.h"
#include "core/plan.h"
#include "daemons/cluster_context.h"
#include "daemons/event_log.h"
#include "daemons/metrics_registry.h"
#include "scheduler/slurm/slurm_client.h"
#include "store/state_store.h"

namespace ebbflow::daemons {

struct IterationReport {
  bool observed = false;        // Slurm and cloud reads succeeded
  std::string skipped_because;  // when !observed
  core::Plan plan;
  int actions_failed = 0;
};

class Clustermgtd {
 public:
  Clustermgtd(const ClusterContext& ctx, aws::Ec2Api& ec2, slurm::SlurmClient& slurm, store::StateStore& store,
              const EventLog& events)
      : ctx_(ctx), ec2_(ec2), slurm_(slurm), store_(store), events_(events) {}

  // Runs one iteration at time `now`. With `dry_run`, observes and decides only.
  IterationReport run_once(int64_t now, bool dry_run = false);
  // Optional: where run_once records its duration, outcome, phases, launches and terminations
  // (dry runs are not recorded). Default: nowhere.
  void set_metrics(DaemonMetrics* metrics) { metrics_ = metrics; }

 private:
  IterationReport iterate(int64_t now, bool dry_run);
  void record_phase(const char* phase, std::chrono::steady_clock::time_point& since);
  Status execute(const core::Action& action, int64_t now, core::ManagerState& state);

  const ClusterContext& ctx_;
  aws::Ec2Api& ec2_;
  slurm::SlurmClient& slurm_;
  store::StateStore& store_;
  const EventLog& events_;
  DaemonMetrics* metrics_ = nullptr;
  // The last warm-pool history error written to the event log: the same error is written once
  // while it lasts (and again after a loop that read the history), not every loop.
  std::string last_history_error_;
};

// The `outcome` label of an iteration: ok | actions_failed | skipped (nothing decided: a read
// or the saved state failed) | state_error (decided, but the next state could not be saved).
std::string iteration_outcome(const IterationReport& report);

// Converts one DescribeInstances page into snapshot instances (moving its strings), skipping
// instances without an address yet: they cannot be matched (reference 6.3 step 4.3).
void append_cloud_instances(std::vector<aws::Ec2Instance>&& page, std::vector<core::CloudInstance>& out);

// Builds the decision snapshot from what was read: nodes of the configured queues only (filtered
// in place, the node list is moved, not copied), the instances (see append_cloud_instances),
// health from the statuses (nullptr: health unknown).
// Shared by observe_cluster and the benchmarks, so both measure the same work.
core::ClusterSnapshot build_snapshot(std::vector<core::SlurmNode> nodes, const std::vector<slurm::PartitionInfo>& parts,
                                     std::vector<core::CloudInstance> instances,
                                     const std::vector<aws::InstanceStatus>* statuses,
                                     const std::vector<core::QueueSpec>& queues, int64_t now);

// glibc malloc settings for a process that builds and frees 100-300 MB of small objects every
// iteration (100k nodes): no mmap for large blocks and no trimming of the heap top, so that freed
// memory stays mapped and the next iteration does not page-fault it in again (under nested
// paging a page fault costs microseconds: at 100k nodes the faults were a third of the CPU time).
// Peak RSS is unchanged; the process keeps its peak mapped between iterations. Called by the
// clustermgtd loop, and by the benchmarks so that they measure the daemon's allocator.
void tune_allocator_for_iterations();

// Observes the cluster into a snapshot (shared by clustermgtd and `ebbflow plan`/status).
Result<core::ClusterSnapshot> observe_cluster(const ClusterContext& ctx, aws::Ec2Api& ec2, slurm::SlurmClient& slurm,
                                              int64_t now);

// Heartbeat file: "<ISO time> <unix seconds>\n", written atomically.
Status write_heartbeat(const std::string& path, int64_t now);
Result<int64_t> read_heartbeat(const std::string& path);

// The daemon's main loop (`ebbflow clustermgtd --cluster-dir DIR`). Re-reads the cluster
// configuration every iteration, keeping the previous one when the new one is invalid.
int run_clustermgtd_loop(const std::string& cluster_root, bool once);

}  // namespace ebbflow::daemons
