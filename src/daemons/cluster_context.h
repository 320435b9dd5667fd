// Where a cluster lives on disk, and everything a daemon needs to act for it.
//
// A cluster is a folder, <home>/clusters/<name>/ (home = $EBBFLOW_HOME, default
// /var/lib/ebbflow). `cluster create` fills it; every daemon, the resume/suspend programs and
// the compute-node bootstrap read it. On a real cluster this folder is on the shared file
// system (as /opt/slurm/etc is for ParallelCluster).
#pragma once

#include <memory>
#include <string>

#include "aws/ec2.h"
#include "config/cluster_config.h"
#include "core/cluster_model.h"
#include "util/result.h"

namespace ebbflow::daemons {

std::string ebbflow_home();                         // $EBBFLOW_HOME or /var/lib/ebbflow
std::string cluster_root(const std::string& name);  // <home>/clusters/<name>

struct ClusterPaths {
  std::string root;
  std::string config() const { return root + "/cluster.yaml"; }
  std::string runtime() const { return root + "/cluster.json"; }
  std::string state_db() const { return root + "/state.db"; }
  std::string heartbeat() const { return root + "/heartbeat"; }
  std::string events() const { return root + "/events.jsonl"; }
  std::string log_dir() const { return root + "/log"; }
  std::string run_dir() const { return root + "/run"; }
  std::string bin_dir() const { return root + "/bin"; }
  std::string slurm_dir() const { return root + "/slurm"; }
  std::string slurm_conf() const { return root + "/slurm/slurm.conf"; }
  std::string munge_dir() const { return root + "/munge"; }
  std::string munge_socket() const { return root + "/munge/munge.socket"; }
  std::string cloud_dir() const { return root + "/cloud"; }
  // slurmd spool folders live under a SHORT per-cluster path: slurmstepd puts a Unix socket
  // "<spool>/<node>_<job>.<step>" there, and socket paths must fit in 108 bytes.
  std::string slurmd_spool_root() const;
};

// The longest slurmstepd socket path this cluster can produce (see slurmd_spool_root).
size_t longest_step_socket_path(const ClusterPaths& paths, size_t longest_node_name);

// Facts fixed at `cluster create` (cluster.json).
struct ClusterRuntime {
  std::string name;
  std::string provider = "local";  // local | aws
  std::string region;
  std::string cloud_endpoint;      // "http://127.0.0.1:PORT" for the local cloud
  std::string access_key_id;       // local cloud only (aws uses the SDK credential chain)
  std::string secret_access_key;
  int slurmctld_port = 0;
  int node_port_base = 0;          // node ports are base + offset (see slurm_conf.h)
  std::string address_pool;        // local cloud: the 127.x.0.0/16 its instances get addresses from
  std::string ebbflow_binary;      // absolute path of the ebbflow executable
  int64_t created_at = 0;
  int traditional_loop_s = 0;      // traditional mode: >0 overrides every daemon's loop period (tests)
};

Result<ClusterRuntime> load_runtime(const std::string& path);
Status save_runtime(const ClusterRuntime& rt, const std::string& path);

struct ClusterContext {
  ClusterPaths paths;
  ClusterRuntime runtime;
  config::ClusterConfig config;
};

// Loads <root>/cluster.yaml and cluster.json. kNotFound when the folder is not a cluster.
Result<ClusterContext> load_cluster(const std::string& root);

// The clustermgtd decision settings from the cluster configuration.
core::ManagerSettings manager_settings(const config::ClusterConfig& cfg);
std::vector<core::QueueSpec> queue_specs(const config::ClusterConfig& cfg);

// An EC2 client for the cluster's cloud (the local cloud's endpoint and credentials, or AWS).
std::unique_ptr<aws::Ec2Api> make_ec2_client(const ClusterContext& ctx);

// Tags every compute instance carries (the launch template and RunInstances set them).
inline constexpr const char* kTagCluster = "ebbflow:cluster-name";
inline constexpr const char* kTagNodeType = "ebbflow:node-type";
inline constexpr const char* kTagQueue = "ebbflow:queue";
inline constexpr const char* kTagComputeResource = "ebbflow:compute-resource";
inline constexpr const char* kTagNodeName = "ebbflow:node-name";
std::string launch_template_name(const std::string& cluster, const std::string& queue, const std::string& cr);

// The filters that select this cluster's live compute instances.
std::vector<aws::Filter> compute_instance_filters(const std::string& cluster);
core::CloudInstance to_cloud_instance(const aws::Ec2Instance& i);
core::CloudInstance to_cloud_instance(aws::Ec2Instance&& i);  // moves the strings

int64_t unix_now();
// Writes `content` to `path` atomically (temp file + rename) with the given mode.
Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);
Result<std::string> read_file(const std::string& path);

}  // namespace ebbflow::daemons
