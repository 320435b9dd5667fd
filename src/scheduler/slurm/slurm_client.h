// The Slurm adapter: the only code that knows Slurm's commands and output formats.
//
// It runs scontrol/sinfo/squeue through a CommandRunner (argv, no shell), parses their output,
// and never decides anything. Every name or reason that reaches a command is validated
// (validate_slurm_argument) even though no shell is involved, so a hostile node name cannot
// smuggle extra scontrol keywords ("x state=down").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/slurm_node.h"
#include "util/command.h"
#include "util/result.h"

namespace ebbflow::slurm {

struct SlurmPaths {
  std::string bin_dir = "/usr/bin";        // scontrol, sinfo, squeue live here
  std::string slurm_conf;                  // exported as SLURM_CONF when not empty
};

struct PartitionInfo {
  std::string name;
  std::string state;   // UP | DOWN | DRAIN | INACTIVE
  std::string nodes;   // hostlist expression, may be empty
};

struct NodeUpdate {
  std::vector<std::string> names;
  std::optional<std::string> state;       // "down", "drain", "power_down_force", "resume", ...
  std::optional<std::string> reason;
  std::vector<std::string> addrs;         // empty, or one per name
  std::vector<std::string> hostnames;     // empty, or one per name
};

// Parses `scontrol show nodes` output: the default multi-line format (what SlurmClient runs,
// because there Reason, OS, Comment and Extra, which may contain spaces and '=', each own a
// line) or `--oneliner` (one node per line; Reason is its last field). Nodes whose names do not
// follow ebbflow's naming scheme are skipped and reported in `skipped` (when not null).
// Timestamps are read as UTC (ebbflow runs Slurm with TZ=UTC; see docs); None/Unknown -> nullopt.
// kInvalidInput ("ParseError") when the text is not scontrol node output or a record has no State.
Result<std::vector<core::SlurmNode>> parse_scontrol_nodes(const std::string& output,
                                                          std::vector<std::string>* skipped = nullptr);
// Parses `scontrol show partitions --oneliner`.
Result<std::vector<PartitionInfo>> parse_scontrol_partitions(const std::string& output);

// Rejects values that could change the meaning of an scontrol command line: whitespace or '='
// in names, and newlines or shell metacharacters anywhere (kInvalidInput naming the value).
Status validate_slurm_argument(const std::string& value, bool allow_spaces);

class SlurmClient {
 public:
  SlurmClient(CommandRunner& runner, SlurmPaths paths);

  // One `scontrol show nodes` for every node (never a per-node list: reference section 13,
  // PR 268). kUnavailable when the command fails, times out or slurmctld cannot be reached.
  // show_nodes(names) is for a handful of nodes (computemgtd); kNotFound for an unknown node.
  Result<std::vector<core::SlurmNode>> show_nodes();
  Result<std::vector<core::SlurmNode>> show_nodes(const std::vector<std::string>& names);
  Result<std::vector<PartitionInfo>> show_partitions();
  // Applies the update in batches of `batch_size` names per scontrol call; each batch's names are
  // compressed into a hostlist, except when addrs/hostnames are given: then names stay a plain
  // comma list in the caller's order, because scontrol pairs the i-th name with the i-th address.
  // Returns the first error after trying every batch: kUnavailable when slurmctld is unreachable
  // or the command timed out, kInvalidInput for a bad argument or a refusal by slurmctld.
  Status update_nodes(const NodeUpdate& update, size_t batch_size = 100);
  Status set_partition_state(const std::string& partition, const std::string& state);
  // Pending and running job counts per partition (squeue), for status and the dashboard.
  Result<std::string> squeue_raw(const std::vector<std::string>& args);
  // Number of scontrol/sinfo commands run so far (benchmarks report it).
  size_t commands_run() const { return commands_run_; }

 private:
  CommandSpec spec(std::vector<std::string> argv) const;
  Result<std::string> run(const CommandSpec& spec, bool is_update);
  CommandRunner& runner_;
  SlurmPaths paths_;
  size_t commands_run_ = 0;
};

}  // namespace ebbflow::slurm
