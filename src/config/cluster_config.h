// The cluster configuration (YAML, shaped like ParallelCluster 3's) as C++ values.
//
// load_cluster_config() parses and validates in one pass and reports EVERY problem it finds,
// each with its YAML path, line and reason, so `ebbflow validate` can print them all at once.
// Everything but Region, Cloud.Provider and one queue with one compute resource has a default
// (docs/configuration.md lists them).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow::config {

struct ConfigIssue {
  std::string path;    // "Scheduling.SlurmQueues[0].ComputeResources[1].MinCount"
  int line = 0;        // 1-based line in the file; 0 when unknown (e.g. a missing key)
  int column = 0;      // 1-based
  std::string message; // "MinCount (5) is greater than MaxCount (2)"
  std::string to_string(const std::string& file) const;  // "file:12:5: Scheduling...: message"
};

struct InstanceTypeInfo {
  std::string name;    // "c5.xlarge"
  int vcpus = 1;
  int64_t memory_mib = 1024;
  int gpus = 0;
};

// How nodes of a compute resource are launched (reference section 8.4, fleet-config "Api").
inline constexpr const char* kApiRunInstances = "run-instances";
inline constexpr const char* kApiCreateFleet = "create-fleet";

struct ComputeResource {
  std::string name;           // [a-z0-9-]+, no "-st-"/"-dy-" ambiguity issues
  std::string instance_type;  // the first (or only) instance type; in the catalog
  // InstanceType alone, or every Instances[].InstanceType in file order (all with the same vCPUs).
  std::vector<std::string> instance_types;
  int min_count = 0;          // static nodes
  int max_count = 10;         // static + dynamic nodes
  // "run-instances" or "create-fleet": LaunchApi when given, else create-fleet for an Instances
  // list or CapacityType SPOT, run-instances otherwise.
  std::string launch_api = kApiRunInstances;
  std::string capacity_type = "on-demand";          // EC2's DefaultTargetCapacityType: on-demand | spot
  std::string allocation_strategy = "lowest-price"; // create-fleet only
  std::string spot_price;                           // MaxPrice per override (spot), "" = the on-demand price
  bool uses_create_fleet() const { return launch_api == kApiCreateFleet; }
};

struct SlurmQueue {
  std::string name;
  std::vector<ComputeResource> compute_resources;
  std::vector<std::string> subnet_ids;  // Networking.SubnetIds; empty = the launch template's / default subnet
};

// Queue-mode daemon settings (clustermgtd keys, reference section 6.1), all with defaults.
struct ClustermgtdSettings {
  int loop_time_s = 60;
  int node_replacement_timeout_s = 1800;
  int orphaned_instance_timeout_s = 300;
  int health_check_timeout_s = 180;
  int health_check_timeout_after_slurmdstarttime_s = 180;
  int insufficient_capacity_timeout_s = 600;
  int protected_failure_count = 10;
  int ec2_instance_missing_max_count = 2;  // original default 0 is too aggressive (ref. 13, #7265)
  bool terminate_drain_nodes = true;
  bool terminate_down_nodes = true;
  bool disable_ec2_health_check = false;
  bool disable_scheduled_event_health_check = false;
  bool disable_all_cluster_management = false;
  int launch_max_batch_size = 500;
  int terminate_max_batch_size = 1000;
  int update_node_batch_size = 100;
};

struct ComputemgtdSettings {
  int loop_time_s = 60;
  int clustermgtd_timeout_s = 300;  // head-node heartbeat silence before a node shuts itself down
};

struct SlurmSettings {
  int scaledown_idletime_min = 10;  // idle-timer: SuspendTime = x * 60 s (warm-pool: see below)
  int resume_timeout_s = 1800;      // ComputeNodeBootstrapTimeout
  int suspend_timeout_s = 120;
  std::string scaling_strategy = "best-effort";  // all-or-nothing | best-effort
  // Who releases idle dynamic nodes: "idle-timer" (Slurm's SuspendTime = ScaledownIdletime, as
  // ParallelCluster 3) or "warm-pool", the default (clustermgtd runs ebbflow's release rule,
  // core::choose_nodes_to_release; Slurm's SuspendTime becomes the rule's longest idle time,
  // 4 x ScaledownIdletime, as a backstop for when clustermgtd is not running).
  std::string scaledown_policy = "warm-pool";
  bool warm_pool() const { return scaledown_policy == "warm-pool"; }
  // Slurm's SuspendTime in seconds (-1: never).
  int suspend_time_s() const {
    if (scaledown_idletime_min < 0) return -1;
    return (warm_pool() ? 4 : 1) * scaledown_idletime_min * 60;
  }
};

// Traditional mode (ParallelCluster 2 style, sge/torque, or slurm without queues): one Auto Scaling
// group of identical compute nodes, scaled by jobwatcher/nodewatcher.
struct AutoScalingGroupSettings {
  std::string instance_type;        // must be in the instance-type catalog
  int min_size = 0;
  int max_size = 10;
  int initial_size = 0;             // defaults to MinSize when absent
  int scaledown_idletime_min = 10;  // nodewatcher idle time before a node removes itself
};

struct CloudSettings {
  std::string provider = "local";   // local | aws
  std::string endpoint;             // empty: the cluster's own local cloud, or AWS's regional endpoint
  std::string credentials = "auto"; // local: generated per cluster; aws: "auto" = the SDK chain, or "profile:NAME"
  std::vector<InstanceTypeInfo> extra_instance_types;  // Cloud.InstanceTypes: extends the catalog
};

struct ClusterConfig {
  std::string source_file;
  std::string region;
  std::string scheduler = "slurm";
  SlurmSettings slurm;
  std::vector<SlurmQueue> queues;                                // queue mode (slurm only)
  std::optional<AutoScalingGroupSettings> auto_scaling_group;    // traditional mode
  CloudSettings cloud;
  ClustermgtdSettings clustermgtd;
  ComputemgtdSettings computemgtd;

  const SlurmQueue* find_queue(const std::string& name) const;
  const ComputeResource* find_compute_resource(const std::string& queue, const std::string& cr) const;
  bool queue_mode() const { return !auto_scaling_group.has_value(); }
  int static_node_count() const;   // sum of MinCount over every compute resource
  int dynamic_node_count() const;  // sum of MaxCount - MinCount
};

// The built-in instance-type catalog (a few common EC2 types, plus "local.small"/"local.large"
// sized for this machine), extended by Cloud.InstanceTypes.
const std::vector<InstanceTypeInfo>& builtin_instance_types();
std::optional<InstanceTypeInfo> find_instance_type(const ClusterConfig& cfg, const std::string& name);

struct LoadResult {
  std::optional<ClusterConfig> config;  // set only when issues is empty
  std::vector<ConfigIssue> issues;
};

LoadResult load_cluster_config_file(const std::string& path);
LoadResult load_cluster_config_string(const std::string& yaml, const std::string& source_name);

}  // namespace ebbflow::config
