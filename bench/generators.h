// Synthetic, seeded inputs for the scale benchmarks: what clustermgtd reads in one iteration of
// a cluster of N Slurm nodes, in exactly the formats the real programs print.
//
//   ClusterInputs in = generate_cluster(100000);
//   in.scontrol_nodes      `scontrol show nodes` (Slurm 22.05 multi-line layout, as recorded in
//                          tests/data/slurm/), one record per node
//   in.scontrol_partitions `scontrol show partitions --oneliner`
//   in.describe_instances  DescribeInstances XML pages of 1,000 instances (full instance items with
//                          network interfaces, block devices and tags, as EC2 returns them)
//   in.instance_status     the three filtered DescribeInstanceStatus replies (see below)
//
// Layout (the anchor's, see /work/shared/reference/anchor-clustermgtd-performance.md): four
// partitions q1..q4, seven compute resources, 20% static nodes. The state mix is the one asked for
// in issue 7: ~70% busy (ALLOCATED/MIXED with an instance), 20% power-saved, and small shares of
// POWERING_UP/POWERING_DOWN, DOWN and DRAIN with reasons, nodes whose instance is gone, static
// nodes without an instance, ICE nodes and orphaned instances. Everything derives from the node
// index through a hash, so the same N always gives the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cluster_model.h"

namespace ebbflow::bench {

// "Now" for every generated input: 2026-11-26T12:00:00Z.
inline constexpr int64_t kNow = 1795694400;
inline constexpr size_t kPageSize = 1000;  // EC2's MaxResults for both Describe calls

struct GeneratedNode {
  std::string name;
  size_t cr = 0;          // index into ClusterLayout::resources
  std::string state;      // Slurm state string, "ALLOCATED+CLOUD"
  std::string addr;       // NodeAddr (== name when no instance is bound)
  std::string reason;     // empty or a Slurm reason ending in "[user@time]"
  std::string next_state; // "RESUME" for reboot-requested nodes, else empty
  bool has_instance = false;  // an EC2 instance carries `addr`
  bool registered = false;    // slurmd has started (Port/Version/OS lines, start times)
  int64_t launch_time = 0;
};

struct GeneratedInstance {
  std::string id;
  std::string ip;
  std::string node_name;  // ebbflow:node-name tag
  size_t cr = 0;
  std::string state;      // running | pending
  int64_t launch_time = 0;
  int health = 0;         // 0 ok, 1 scheduled system-reboot, 2 instance impaired for an hour
};

struct ResourceSpec {
  std::string queue, cr, instance_type;
  bool is_static = false;
  int cpus = 0;
  int memory_mb = 0;
  size_t first = 0, count = 0;  // node index range
};

// The cluster that every input below describes (node table and the instance order EC2 returns).
struct ClusterLayout {
  size_t node_count = 0;
  std::vector<ResourceSpec> resources;
  std::vector<GeneratedNode> nodes;
  std::vector<GeneratedInstance> instances;  // shuffled; bound instances and orphans
  size_t orphan_count = 0;
  size_t foreign_status_count = 20;          // statuses of instances of other clusters
};

ClusterLayout make_layout(size_t node_count);
std::string scontrol_nodes_text(const ClusterLayout& layout);
std::string scontrol_partitions_text(const ClusterLayout& layout);
size_t describe_instances_page_count(const ClusterLayout& layout);
std::string describe_instances_page(const ClusterLayout& layout, size_t page);
// The replies to the daemon's three filtered DescribeInstanceStatus calls (instance status
// impaired, system status impaired, scheduled events), one page each: only the instances with a
// problem, plus impaired instances of other clusters (the filters do not name the cluster).
size_t instance_status_page_count(const ClusterLayout& layout);
std::string instance_status_page(const ClusterLayout& layout, size_t page);

// Everything at once (the benchmarks keep the inputs in memory so that no I/O is timed).
struct ClusterInputs {
  ClusterLayout layout;
  std::string scontrol_nodes;
  std::string scontrol_partitions;
  std::vector<std::string> describe_instances;  // pages
  std::vector<std::string> instance_status;     // pages
};
ClusterInputs generate_cluster(size_t node_count);

// Writes the inputs of a cluster of `node_count` nodes into `dir` (nodes.txt, partitions.txt,
// di-N.xml, st-N.xml, counts = "<DescribeInstances pages> <status pages>"), for the RSS probe
// and for feeding the same inputs to other implementations. False when a write fails.
bool write_inputs(const std::string& dir, size_t node_count);

// DescribeInstances pages holding exactly `instance_count` instances (taken from a generated
// cluster large enough to have them), for the parser-only benchmark at the anchor's 56,000.
std::vector<std::string> generate_describe_instances_pages(size_t instance_count);

// A hostlist of `count` power-saved dynamic nodes spread over the compute resources, as Slurm
// hands it to ResumeProgram ("q1-dy-c5xlarge-[3,5-9],q2-dy-m5xlarge-[...]").
std::string generate_resume_hostlist(size_t count);

// The compute resources (with their node ranges) of a generated cluster of `node_count` nodes,
// and the matching queue configuration; cheap (no node table).
std::vector<ResourceSpec> layout_resources(size_t node_count);
std::vector<core::QueueSpec> generated_queues(size_t node_count);

// The manager settings of the generated cluster (the anchor's values: terminate drain and down
// nodes, ec2_instance_missing_max_count 0, protected_failure_count 10, ICE timeout 600 s).
core::ManagerSettings generated_settings(size_t node_count);

}  // namespace ebbflow::bench
