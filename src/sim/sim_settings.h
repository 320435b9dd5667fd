// What one simulation run is configured with, and what it reports per policy.
//
// Defaults follow ../shared/reference/idle-timer-economics.md's main case (4 cores per node, a
// 300 s boot) and ParallelCluster 3's Slurm settings (SuspendTime = ScaledownIdletime x 60 = 600 s,
// SuspendTimeout 120 s, a 60 s clustermgtd loop), so the numbers can be set beside that estimate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/scale_down_policy.h"

namespace ebbflow::sim {

enum class Policy { kEbbflow, kPcluster3, kPcluster2, kStatic, kLowerBound };
const char* policy_name(Policy p);
std::optional<Policy> parse_policy(std::string_view name);
std::vector<Policy> all_policies();

struct CloudModel {
  int64_t boot_time_s = 300;      // mean time from RunInstances to a node that runs jobs
  int64_t boot_jitter_s = 0;      // boot time is uniform in [mean - jitter, mean + jitter]
  double launch_failure_rate = 0; // share of instance launches that fail (InternalError)
  // [start, end) trace seconds during which every launch fails with InsufficientInstanceCapacity.
  std::vector<std::pair<int64_t, int64_t>> ice_periods;
  int64_t min_billing_s = 60;     // per-second billing with this minimum per instance
};

struct SimSettings {
  std::string instance_type = "c5.xlarge";
  int cores_per_node = 4;
  int max_nodes = 0;              // MaxCount; 0 = the peak demand when every job starts at submit
  int64_t scaledown_idletime_s = 600;  // pcluster3 SuspendTime, pcluster2 nodewatcher idle time
  int64_t suspend_timeout_s = 120;
  int64_t loop_time_s = 60;       // clustermgtd / jobwatcher / nodewatcher
  int backfill_depth = 200;       // queued jobs examined per backfill pass (Slurm bf_max_job_test)
  int launch_batch_size = 500;
  uint64_t seed = 1;
  core::ScaleDownSettings ebbflow;  // idle_limit follows scaledown_idletime_s unless set apart
  // ebbflow's rule starts recording with the trace, as a cluster that starts with it does, so it
  // keeps every idle node ScaledownIdletime for the first history (an hour): its learning time.
  // false: it knows the demand before the trace (no learning time; the hand-made tests).
  bool ebbflow_cold_start = true;
  CloudModel cloud;
  int series_points = 800;        // samples kept for the report's time plots (0 = none)
};

struct Series {
  int64_t start = 0;
  int64_t step = 1;
  std::vector<int> nodes;   // instances billed
  std::vector<int> busy;    // nodes running jobs (the demand the scheduler placed)
  std::vector<int> queued;  // jobs waiting in the queue
};

struct PolicyResult {
  Policy policy = Policy::kEbbflow;
  int64_t jobs = 0;
  double billed_node_hours = 0;
  double busy_node_hours = 0;
  double boot_node_hours = 0;
  double idle_node_hours = 0;     // billed - busy - boot
  double cost_ratio = 0;          // billed / the lower bound's billed
  double wait_mean_s = 0, wait_p50_s = 0, wait_p95_s = 0, wait_max_s = 0;
  double bounded_slowdown_mean = 0;  // max(1, (wait + run) / max(run, 10 s))
  int64_t boot_wait_jobs = 0;     // jobs whose start waited for a booting node or a failed launch
  // ebbflow with the boot-wait feedback: the jobs its idle-timer model had wait for a boot (-1: off)
  int64_t model_boot_wait_jobs = -1;
  int64_t launches = 0, terminations = 0, api_calls = 0, launch_failures = 0;
  int64_t core_calls = 0;         // decide_iteration calls
  int peak_nodes = 0;
  std::vector<double> wait_quantiles;  // 0, 1, ..., 100 %
  std::vector<int64_t> wait_by_job;    // in trace order; -1 for a job that never ran
  Series series;
  double runtime_s = 0;           // wall-clock time of the replay
};

}  // namespace ebbflow::sim
