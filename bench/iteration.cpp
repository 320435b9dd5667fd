// Snapshot building and call counting for the benchmark iteration (see iteration.h).
#include "bench/iteration.h"

#include <stdexcept>
#include <unordered_set>

#include "core/launch_plan.h"

namespace ebbflow::bench {
namespace {

size_t batches(size_t n, size_t batch) { return (n + batch - 1) / batch; }

int64_t earliest_impaired(const aws::InstanceStatusSummary& sum) {
  int64_t since = 0;
  for (const auto& d : sum.details)
    if (d.impaired_since > 0 && (since == 0 || d.impaired_since < since)) since = d.impaired_since;
  return since;
}

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
                                     const std::vector<aws::Ec2Instance>& instances,
                                     const std::vector<aws::InstanceStatus>& statuses,
                                     const std::vector<core::QueueSpec>& queues, int64_t now) {
  core::ClusterSnapshot snap;
  snap.now = now;
  std::unordered_set<std::string> names;
  for (const auto& q : queues) names.insert(q.name);
  snap.nodes.reserve(nodes.size());
  for (auto& n : nodes)
    if (names.count(n.queue)) snap.nodes.push_back(std::move(n));
  for (const auto& p : parts)
    if (names.count(p.name)) snap.partitions.push_back({p.name, p.state});
  snap.instances.reserve(instances.size());
  for (const auto& i : instances) {
    if (i.private_ip.empty()) continue;
    core::CloudInstance c;
    c.id = i.instance_id;
    c.private_ip = i.private_ip;
    c.all_private_ips = i.all_private_ips;
    c.hostname = i.private_dns_name;
    c.instance_type = i.instance_type;
    c.state = i.state;
    c.launch_time = i.launch_time;
    auto tag = i.tags.find("ebbflow:node-name");
    if (tag != i.tags.end()) c.node_name_tag = tag->second;
    snap.instances.push_back(std::move(c));
  }
  std::vector<core::InstanceHealth> health;
  health.reserve(statuses.size());
  for (const auto& s : statuses) {
    core::InstanceHealth h;
    h.instance_id = s.instance_id;
    h.instance_impaired = s.instance_status.status == "impaired";
    h.instance_impaired_since = earliest_impaired(s.instance_status);
    h.system_impaired = s.system_status.status == "impaired";
    h.system_impaired_since = earliest_impaired(s.system_status);
    for (const auto& e : s.events) h.scheduled_events.push_back(e.code);
    health.push_back(std::move(h));
  }
  snap.health = std::move(health);
  return snap;
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
