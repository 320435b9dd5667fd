// Slurm's pending-job demand for the Slurm traditional adapter (reference 11.1.1 and 2.5).
//
// The adapter runs
//   squeue -r -O 'jobid:200,statecompact:200,numnodes:200,numcpus:200,numtasks:200,
//                cpus-per-task:200,mincpus:200,reason:200,tres-per-job:200,tres-per-task:200,
//                tres-per-node:200,cpus-per-tres:200' --states PD
// and hands the text here: every column is exactly 200 characters wide and the first line
// names the columns, so columns are mapped by header (unknown columns ignored, missing ones
// keep their defaults). Pending jobs are then normalised against one node's slots and GPUs
// (nodes implied by min CPUs per node and by GPU requests), filtered (pending reasons that more
// nodes can fix, jobs that fit one node and max_size nodes), and turned into NodeRequests for
// core::optimal_node_count. Pure: text in, numbers out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/traditional/bin_packing.h"
#include "util/result.h"

namespace ebbflow::core {

struct SqueueJob {
  std::string id;
  std::string state;          // ST: PD, R, ...
  int nodes = 1;              // NODES
  int cpus_total = 1;         // CPUS
  int tasks = 1;              // TASKS
  int cpus_per_task = 1;      // CPUS_PER_TASK (N/A -> 1)
  int cpus_min_per_node = 1;  // MIN_CPUS
  std::string pending_reason;                 // REASON
  std::map<std::string, int> tres_per_job;    // TRES_PER_JOB "gpu:12,foo:2" (N/A -> {})
  std::map<std::string, int> tres_per_task;   // TRES_PER_TASK
  std::map<std::string, int> tres_per_node;   // TRES_PER_NODE
  std::map<std::string, int> cpus_per_tres;   // CPUS_PER_TRES
  bool operator==(const SqueueJob&) const = default;
};

inline constexpr int kSqueueColumnWidth = 200;

// The largest count parse_squeue accepts in a number column or a TRES (per name, summed): a
// hundred million CPUs, nodes, tasks or GPUs is beyond any cluster, and the bound keeps the
// demand arithmetic far from overflow (docs/reliability.md, Fuzzing, finding 7).
inline constexpr int kMaxSqueueCount = 100'000'000;

// The squeue -O format string above (the adapter's argv uses it).
const char* squeue_format_argument();

// Parses the fixed-width output; kInvalidInput (code "SqueueParse") naming the line and column
// on a number that is not a number or not a count from 0 to kMaxSqueueCount. Empty output (or
// only a header) -> no jobs.
Result<std::vector<SqueueJob>> parse_squeue(const std::string& output);

// Parses "gpu:12,foo:2" (also "gres:gpu:2" and "gpu:tesla:2": the last field is the count,
// the first non-"gres" field the name); "N/A" or "" -> {}. A count, or the sum of one name's
// counts, above kMaxSqueueCount is an error.
Result<std::map<std::string, int>> parse_tres(const std::string& text);

// Pending reasons that more nodes can satisfy (reference 11.1.1, exact strings).
const std::vector<std::string>& pending_resources_reasons();

// GPUs the job needs in total (reference 11.1.1 step 3), in 64 bits (a product of two ints);
// negative counts count as none.
int64_t job_gpus_total(const SqueueJob& job);

struct SlurmPendingFilter {
  int node_slots = 1;
  int node_gpus = 0;
  std::optional<int> max_nodes;   // drop jobs needing more nodes (the group's MaxSize)
  bool filter_by_reasons = true;  // keep only pending_resources_reasons()
};

// Normalises and filters pending (PD) jobs (reference 11.1.1 steps 1-4); jobs in other states
// are left out, and so are jobs whose nodes, CPUs or GPUs no longer fit an int once normalised
// (no cluster is that big).
std::vector<SqueueJob> normalize_pending_jobs(const std::vector<SqueueJob>& jobs, const SlurmPendingFilter& filter);

// One NodeRequest per job: {nodes, {slots: cpus_total, gpus: gpus_total}} (reference 2.5).
std::vector<NodeRequest> slurm_node_requests(const std::vector<SqueueJob>& pending);

// The whole jobwatcher question for Slurm: nodes the satisfiable pending jobs need.
int slurm_required_nodes(const std::vector<SqueueJob>& jobs, const SlurmPendingFilter& filter);

}  // namespace ebbflow::core
