// Cloud (provider, endpoint, credentials, extra instance types) and Daemons (clustermgtd and
// computemgtd tuning; every key has a default, reference section 6.1 and 7).
#include <map>
#include <regex>

#include "config/parse_sections.h"
#include "config/text_match.h"

namespace ebbflow::config::detail {
namespace {

constexpr int kDay = 86400;
constexpr int kWeek = 7 * kDay;

void parse_instance_types(const YAML::Node list, const std::string& base, CloudSettings& cloud, Issues& issues) {
  static const std::regex kTypeName(R"(^[a-z0-9][a-z0-9-]*\.[a-z0-9-]+$)");
  std::map<std::string, int> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    std::string path = base + "[" + std::to_string(i) + "]";
    MapReader r(item, path, {"Name", "VCpus", "MemoryMiB", "Gpus"}, issues);
    if (!r.is_map()) {
      if (!item.IsDefined() || item.IsNull()) issues.add(path, item.Mark(), "an instance type needs at least a Name");
      continue;
    }
    InstanceTypeInfo t;
    if (r.require("Name") && r.read_string("Name", t.name)) {
      if (!std::regex_match(t.name, kTypeName)) {
        issues.add(r.path_of("Name"), r.value_mark("Name"),
                   "instance type name '" + t.name + "' must look like 'family.size' (lowercase, e.g. 'c5.xlarge')");
      } else if (auto [it, fresh] = seen.emplace(t.name, r.value_mark("Name").line + 1); !fresh) {
        issues.add(r.path_of("Name"), r.value_mark("Name"),
                   "duplicate instance type '" + t.name + "' (first at line " + std::to_string(it->second) + ")");
      }
    }
    r.read_int("VCpus", t.vcpus, 1, 4096);
    int mem = static_cast<int>(t.memory_mib);
    if (r.read_int("MemoryMiB", mem, 1, 64 * 1024 * 1024)) t.memory_mib = mem;
    r.read_int("Gpus", t.gpus, 0, 64);
    cloud.extra_instance_types.push_back(std::move(t));
  }
}

}  // namespace

void parse_cloud(const YAML::Node& node, ClusterConfig& cfg, Issues& issues) {
  MapReader r(node, "Cloud", {"Provider", "Endpoint", "Credentials", "InstanceTypes"}, issues);
  if (!r.is_map()) {
    if (node.IsDefined() && node.IsNull())
      issues.add("Cloud.Provider", node.Mark(), "Cloud is empty: it needs Provider (local or aws)");
    return;
  }
  CloudSettings& c = cfg.cloud;
  if (r.require("Provider", "local or aws")) r.read_one_of("Provider", {"local", "aws"}, c.provider);
  if (r.read_string("Endpoint", c.endpoint) && !c.endpoint.empty()) {
    static const std::regex kUrl(R"(^https?://[^/\s]+(/\S*)?$)");
    if (!std::regex_match(c.endpoint, kUrl)) {
      issues.add(r.path_of("Endpoint"), r.value_mark("Endpoint"),
                 "Endpoint must be an http:// or https:// URL such as 'http://127.0.0.1:8773', got '" + c.endpoint + "'");
    }
  }
  std::string creds;
  if (r.read_string("Credentials", creds)) {
    static const std::regex kProfile(R"(^profile:[A-Za-z0-9_.@-]+$)");
    if (creds == "auto" || std::regex_match(creds, kProfile)) {
      c.credentials = creds;
    } else {
      issues.add(r.path_of("Credentials"), r.value_mark("Credentials"),
                 "Credentials must be 'auto' (the default credential chain) or 'profile:NAME', got '" + creds + "'");
    }
  }
  if (r.has("InstanceTypes")) {
    const YAML::Node list = r.read_list("InstanceTypes");
    if (list.IsDefined()) parse_instance_types(list, r.path_of("InstanceTypes"), c, issues);
  }
}

void parse_daemons(const YAML::Node& node, ClusterConfig& cfg, Issues& issues) {
  MapReader r(node, "Daemons", {"Clustermgtd", "Computemgtd"}, issues);
  if (!r.is_map()) return;
  ClustermgtdSettings& c = cfg.clustermgtd;
  MapReader m(r.value("Clustermgtd"), "Daemons.Clustermgtd",
              {"LoopTime", "NodeReplacementTimeout", "OrphanedInstanceTimeout", "HealthCheckTimeout",
               "HealthCheckTimeoutAfterSlurmdStartTime", "InsufficientCapacityTimeout", "ProtectedFailureCount",
               "Ec2InstanceMissingMaxCount", "TerminateDrainNodes", "TerminateDownNodes", "DisableEc2HealthCheck",
               "DisableScheduledEventHealthCheck", "DisableAllClusterManagement", "LaunchMaxBatchSize",
               "TerminateMaxBatchSize", "UpdateNodeBatchSize"},
              issues);
  m.read_int("LoopTime", c.loop_time_s, 1, 3600, "seconds");
  m.read_int("NodeReplacementTimeout", c.node_replacement_timeout_s, 1, kWeek, "seconds");
  m.read_int("OrphanedInstanceTimeout", c.orphaned_instance_timeout_s, 1, kWeek, "seconds");
  m.read_int("HealthCheckTimeout", c.health_check_timeout_s, 1, kWeek, "seconds");
  m.read_int("HealthCheckTimeoutAfterSlurmdStartTime", c.health_check_timeout_after_slurmdstarttime_s, 1, kWeek,
             "seconds");
  // 0 turns insufficient-capacity fail-over off, as in ParallelCluster.
  m.read_int("InsufficientCapacityTimeout", c.insufficient_capacity_timeout_s, 0, kWeek, "seconds");
  // 0 turns protected mode off.
  m.read_int("ProtectedFailureCount", c.protected_failure_count, 0, 100000);
  m.read_int("Ec2InstanceMissingMaxCount", c.ec2_instance_missing_max_count, 0, 1000);
  m.read_bool("TerminateDrainNodes", c.terminate_drain_nodes);
  m.read_bool("TerminateDownNodes", c.terminate_down_nodes);
  m.read_bool("DisableEc2HealthCheck", c.disable_ec2_health_check);
  m.read_bool("DisableScheduledEventHealthCheck", c.disable_scheduled_event_health_check);
  m.read_bool("DisableAllClusterManagement", c.disable_all_cluster_management);
  // EC2 accepts at most 1000 instances per RunInstances/CreateFleet and ids per TerminateInstances.
  m.read_int("LaunchMaxBatchSize", c.launch_max_batch_size, 1, 1000);
  m.read_int("TerminateMaxBatchSize", c.terminate_max_batch_size, 1, 1000);
  m.read_int("UpdateNodeBatchSize", c.update_node_batch_size, 1, 10000);

  MapReader p(r.value("Computemgtd"), "Daemons.Computemgtd", {"LoopTime", "ClustermgtdTimeout"}, issues);
  p.read_int("LoopTime", cfg.computemgtd.loop_time_s, 1, 3600, "seconds");
  bool timeout_read = p.read_int("ClustermgtdTimeout", cfg.computemgtd.clustermgtd_timeout_s, 1, kWeek, "seconds");
  bool loop_given = m.has("LoopTime");
  if ((timeout_read || loop_given) && cfg.computemgtd.clustermgtd_timeout_s <= c.loop_time_s) {
    std::string path = timeout_read ? p.path_of("ClustermgtdTimeout") : m.path_of("LoopTime");
    YAML::Mark mark = timeout_read ? p.value_mark("ClustermgtdTimeout") : m.value_mark("LoopTime");
    issues.add(path, mark,
               "Daemons.Computemgtd.ClustermgtdTimeout (" + std::to_string(cfg.computemgtd.clustermgtd_timeout_s) +
                   " s) must be greater than Daemons.Clustermgtd.LoopTime (" + std::to_string(c.loop_time_s) +
                   " s): compute nodes would shut themselves down between two heartbeats of a healthy head node");
  }
}

}  // namespace ebbflow::config::detail
