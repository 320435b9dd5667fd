// Snapshot building and call counting for the benchmark iteration (see iteration.h).
#include "bench/iteration.h"

#include <stdexcept>
#include <unordered_set>

#include "core/launch_plan.h"
#include "daemons/clustermgtd.h"

namespace ebbflow::bench {
namespace {

size_t batches(size_t n, size_t batch) { return (n + batch - 1) / batch; }

}  // namespace

std::vector<core::SlurmNode> parse_nodes(const std::string& text) {
  auto nodes = slurm::parse_scontrol_nodes(text);
  if (!nodes.ok()) throw std::runtime_error("scontrol show nodes: " + nodes.error().describe());
  return std::move(*nodes);
}

std::vector<slurm::PartitionInfo> parse_partitions(const std::string& text) {
  auto parts = slurm::parse_scontrol_partitions(text);
  if (!parts.ok()) throw std::runtime_error("scontrol show partitions: " + parts.error().describe());
  return std::move(*parts);
}

core::ClusterSnapshot build_snapshot(std::vector<core::SlurmNode> nodes, const std::vector<slurm::PartitionInfo>& parts,
                                     std::vector<core::CloudInstance> instances,
                                     const std::vector<aws::InstanceStatus>& statuses,
                                     const std::vector<core::QueueSpec>& queues, int64_t now) {
  // The daemon's own code, so the benchmark measures exactly what clustermgtd does.
  return daemons::build_snapshot(std::move(nodes), parts, std::move(instances), &statuses, queues, now);
}

std::vector<aws::InstanceStatus> dedupe_statuses(std::vector<aws::InstanceStatus> statuses) {
  std::vector<aws::InstanceStatus> out;
  std::unordered_set<std::string> seen;
  for (auto& s : statuses)
    if (seen.insert(s.instance_id).second) out.push_back(std::move(s));
  return out;
}

CallCounts count_calls(const core::Plan& plan, const std::vector<core::QueueSpec>& queues, size_t instance_pages,
                       size_t status_pages) {
  CallCounts c;
  c.describe_instances_pages = instance_pages;
  c.describe_status_pages = status_pages;
  for (const auto& a : plan.actions) {
    switch (a.kind) {
      case core::ActionKind::kTerminateInstances:
        c.terminate_calls += batches(a.instance_ids.size(), 1000);
        c.terminated_instances += a.instance_ids.size();
        break;
      case core::ActionKind::kSetPartitionState:
        c.scontrol_updates += 1;
        break;
      case core::ActionKind::kLaunchNodes: {
        auto lp = core::plan_launch(a.node_names, queues, 500, core::LaunchPurpose::kStaticReplacement);
        c.run_instances_calls += lp.batches.size();
        c.launched_nodes += a.node_names.size();
        break;
      }
      default:
        c.scontrol_updates += batches(a.node_names.size(), 100);
        c.update_node_entries += a.node_names.size();
        break;
    }
  }
  return c;
}

}  // namespace ebbflow::bench
