// What clustermgtd decides from: a snapshot of the scheduler and the cloud, the durable state
// carried between iterations, and the settings. Plain values, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/scale_down_policy.h"
#include "core/slurm_node.h"

namespace ebbflow::core {

// A compute instance as the cloud reports it (already filtered to this cluster's compute nodes).
struct CloudInstance {
  std::string id;
  std::string private_ip;
  std::vector<std::string> all_private_ips;
  std::string hostname;
  std::string instance_type;
  std::string state;          // pending | running | stopping | stopped
  int64_t launch_time = 0;    // Unix seconds
  std::string node_name_tag;  // the ebbflow:node-name tag, empty when not yet tagged
};

// Cloud health of one running instance (DescribeInstanceStatus).
struct InstanceHealth {
  std::string instance_id;
  bool instance_impaired = false;
  int64_t instance_impaired_since = 0;
  bool system_impaired = false;
  int64_t system_impaired_since = 0;
  std::vector<std::string> scheduled_events;  // event codes
};

struct PartitionStatus {
  std::string name;
  std::string state;  // UP | DOWN | DRAIN | INACTIVE
};

enum class FleetStatus { kRunning, kStopRequested, kStopped, kStartRequested, kProtected };
const char* to_string(FleetStatus s);
std::optional<FleetStatus> parse_fleet_status(const std::string& s);

struct ClusterSnapshot {
  int64_t now = 0;  // this host's clock: compared with Slurm's times and ebbflow's own records
  // The cloud's clock minus this host's (aws::process_clock_offset(), learnt from the replies'
  // Date headers; 0 while they agree within a minute). Times the cloud reported (launch times,
  // impairedSince) are compared with cloud_now(), so a head node whose clock is an hour ahead
  // does not see every instance as an hour older than it is.
  int64_t cloud_clock_offset = 0;
  int64_t cloud_now() const { return now + cloud_clock_offset; }
  std::vector<SlurmNode> nodes;            // only nodes whose names parse
  std::vector<PartitionStatus> partitions;
  std::vector<CloudInstance> instances;
  // nullopt: the health read failed or was skipped; health checks are then not evaluated.
  std::optional<std::vector<InstanceHealth>> health;
  // Jobs submitted over the release rule's history (time order): read only with the warm pool.
  std::vector<Arrival> arrivals;
};

struct ComputeResourceSpec {
  std::string name;
  std::string instance_type;
  int min_count = 0;
  int max_count = 0;
};

struct QueueSpec {
  std::string name;
  std::vector<ComputeResourceSpec> compute_resources;
};

struct ManagerSettings {
  std::vector<QueueSpec> queues;
  int64_t node_replacement_timeout = 1800;
  int64_t orphaned_instance_timeout = 300;
  int64_t health_check_timeout = 180;
  int64_t health_check_timeout_after_slurmdstarttime = 180;
  int64_t insufficient_capacity_timeout = 600;
  int protected_failure_count = 10;
  int ec2_instance_missing_max_count = 2;
  bool terminate_drain_nodes = true;
  bool terminate_down_nodes = true;
  bool disable_ec2_health_check = false;
  bool disable_scheduled_event_health_check = false;
  bool disable_all_cluster_management = false;
  // ScaledownPolicy warm-pool: release idle dynamic nodes by core::choose_nodes_to_release with
  // these settings (the boot-wait feedback off: clustermgtd does not track job starts yet).
  // nullopt: Slurm's SuspendTime releases them (idle-timer).
  std::optional<ScaleDownSettings> warm_pool;
};

using QueueCr = std::pair<std::string, std::string>;  // (queue, compute resource)

struct IceRecord {
  int64_t since = 0;
  std::string error_code;
  bool operator==(const IceRecord&) const = default;
};

// State that must survive a clustermgtd restart (stored in SQLite by the daemon).
struct ManagerState {
  // Static nodes being replaced -> when the replacement was launched (Unix seconds).
  std::map<std::string, int64_t> replacing;
  // Nodes whose NodeAddr has no instance yet -> (address, consecutive iterations seen missing).
  std::map<std::string, std::pair<std::string, int>> missing_instance;
  // Bootstrap failures per compute resource since it was last seen online.
  std::map<QueueCr, int> bootstrap_failures;
  // Compute resources disabled after insufficient capacity.
  std::map<QueueCr, IceRecord> insufficient_capacity;
  // Partitions ebbflow set INACTIVE for protected mode -> why.
  std::map<std::string, std::string> protected_partitions;
  FleetStatus fleet = FleetStatus::kRunning;

  bool operator==(const ManagerState&) const = default;
};

}  // namespace ebbflow::core
