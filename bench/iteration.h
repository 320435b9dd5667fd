// One clustermgtd iteration without I/O, split into the steps the benchmarks time:
//   parse `scontrol show nodes` / `show partitions`  (slurm::parse_scontrol_*)
//   parse the DescribeInstances and DescribeInstanceStatus pages  (aws::parse_describe_*)
//   build the snapshot  (as daemons::observe_cluster does)
//   decide  (core::decide_iteration)
// and the count of scheduler commands and cloud calls the resulting plan would make when the
// daemon executes it (daemons/clustermgtd.cpp: scontrol updates of at most 100 names,
// TerminateInstances of at most 1,000 ids, RunInstances per launch batch of at most 500).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "aws/ec2.h"
#include "core/cluster_manager.h"
#include "core/cluster_model.h"
#include "core/plan.h"
#include "daemons/clustermgtd.h"
#include "scheduler/slurm/slurm_client.h"

namespace ebbflow::bench {

// Every page of a paginated Describe call, parsed and concatenated as Ec2Client does.
// `Pages` has size() and operator[] yielding the page text (in memory, or read on demand).
template <class Pages>
std::vector<aws::Ec2Instance> parse_instance_pages(const Pages& pages) {
  std::vector<aws::Ec2Instance> all;
  for (size_t p = 0; p < pages.size(); ++p) {
    std::string token;
    auto page = aws::parse_describe_instances(pages[p], &token);
    if (!page.ok()) throw std::runtime_error("DescribeInstances page " + std::to_string(p) + ": " + page.error().describe());
    if (all.empty()) all = std::move(*page);
    else all.insert(all.end(), std::make_move_iterator(page->begin()), std::make_move_iterator(page->end()));
  }
  return all;
}

template <class Pages>
std::vector<aws::InstanceStatus> parse_status_pages(const Pages& pages) {
  std::vector<aws::InstanceStatus> all;
  for (size_t p = 0; p < pages.size(); ++p) {
    std::string token;
    auto page = aws::parse_describe_instance_status(pages[p], &token);
    if (!page.ok()) throw std::runtime_error("DescribeInstanceStatus page " + std::to_string(p) + ": " + page.error().describe());
    all.insert(all.end(), std::make_move_iterator(page->begin()), std::make_move_iterator(page->end()));
  }
  return all;
}

std::vector<core::SlurmNode> parse_nodes(const std::string& scontrol_output);
std::vector<slurm::PartitionInfo> parse_partitions(const std::string& scontrol_output);

// Every DescribeInstances page parsed and converted into snapshot instances one page at a time,
// as daemons::observe_cluster does (Ec2Api::describe_instances_by_page + append_cloud_instances).
template <class Pages>
std::vector<core::CloudInstance> cloud_instances_from_pages(const Pages& pages) {
  std::vector<core::CloudInstance> all;
  for (size_t p = 0; p < pages.size(); ++p) {
    std::string token;
    auto page = aws::parse_describe_instances(pages[p], &token);
    if (!page.ok()) throw std::runtime_error("DescribeInstances page " + std::to_string(p) + ": " + page.error().describe());
    daemons::append_cloud_instances(std::move(*page), all);
  }
  return all;
}

// The three filtered DescribeInstanceStatus replies of observe_cluster, deduplicated by id.
std::vector<aws::InstanceStatus> dedupe_statuses(std::vector<aws::InstanceStatus> statuses);

// Mirrors daemons::observe_cluster after the reads (daemons::build_snapshot); consumes its inputs.
core::ClusterSnapshot build_snapshot(std::vector<core::SlurmNode> nodes, const std::vector<slurm::PartitionInfo>& parts,
                                     std::vector<core::CloudInstance> instances,
                                     const std::vector<aws::InstanceStatus>& statuses,
                                     const std::vector<core::QueueSpec>& queues, int64_t now);

struct CallCounts {
  size_t scontrol_reads = 2;          // show nodes, show partitions
  size_t scontrol_updates = 0;        // `scontrol update` commands (node and partition updates)
  size_t update_node_entries = 0;     // node names in them
  size_t terminate_calls = 0;
  size_t terminated_instances = 0;
  size_t run_instances_calls = 0;
  size_t launched_nodes = 0;
  size_t describe_instances_pages = 0;
  size_t describe_status_pages = 0;
};
CallCounts count_calls(const core::Plan& plan, const std::vector<core::QueueSpec>& queues, size_t instance_pages,
                       size_t status_pages);

// The whole iteration over in-memory (or on-demand) inputs, cloud replies included: parse
// `scontrol show nodes`/`show partitions`, parse and convert every DescribeInstances page, parse
// the DescribeInstanceStatus replies, build the snapshot, decide.
template <class Pages>
core::Plan run_iteration(const std::string& nodes_text, const std::string& partitions_text, const Pages& instance_pages,
                         const Pages& status_pages, const core::ManagerSettings& settings, int64_t now) {
  auto nodes = parse_nodes(nodes_text);
  auto parts = parse_partitions(partitions_text);
  auto instances = cloud_instances_from_pages(instance_pages);
  auto statuses = dedupe_statuses(parse_status_pages(status_pages));
  auto snap = build_snapshot(std::move(nodes), parts, std::move(instances), statuses, settings.queues, now);
  return core::decide_iteration(snap, core::ManagerState{}, settings);
}

}  // namespace ebbflow::bench
