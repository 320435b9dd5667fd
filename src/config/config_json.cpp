#include "config/config_json.h"

namespace ebbflow::config {

using nlohmann::json;

nlohmann::json to_json(const ClusterConfig& cfg) {
  json queues = json::array();
  for (const auto& q : cfg.queues) {
    json crs = json::array();
    for (const auto& c : q.compute_resources) {
      json cr = {{"Name", c.name}, {"InstanceType", c.instance_type}, {"MinCount", c.min_count},
                 {"MaxCount", c.max_count}, {"LaunchApi", c.launch_api},
                 {"CapacityType", c.capacity_type == "spot" ? "SPOT" : "ONDEMAND"}};
      if (c.instance_types.size() > 1) {
        json types = json::array();
        for (const auto& t : c.instance_types) types.push_back({{"InstanceType", t}});
        cr["Instances"] = types;
      }
      if (c.uses_create_fleet()) cr["AllocationStrategy"] = c.allocation_strategy;
      if (!c.spot_price.empty()) cr["SpotPrice"] = c.spot_price;
      crs.push_back(std::move(cr));
    }
    json queue = {{"Name", q.name}, {"ComputeResources", crs}};
    if (!q.subnet_ids.empty()) queue["Networking"] = {{"SubnetIds", q.subnet_ids}};
    queues.push_back(std::move(queue));
  }
  json scheduling = {{"Scheduler", cfg.scheduler}};
  if (cfg.queue_mode()) {
    scheduling["SlurmSettings"] = {{"ScaledownIdletime", cfg.slurm.scaledown_idletime_min},
                                   {"ResumeTimeout", cfg.slurm.resume_timeout_s},
                                   {"SuspendTimeout", cfg.slurm.suspend_timeout_s},
                                   {"ScalingStrategy", cfg.slurm.scaling_strategy},
                                   {"ScaledownPolicy", cfg.slurm.scaledown_policy}};
    scheduling["SlurmQueues"] = queues;
  } else {
    const auto& g = *cfg.auto_scaling_group;
    scheduling["AutoScalingGroup"] = {{"InstanceType", g.instance_type}, {"MinSize", g.min_size},
                                      {"MaxSize", g.max_size}, {"InitialSize", g.initial_size},
                                      {"ScaledownIdletime", g.scaledown_idletime_min}};
  }
  json types = json::array();
  for (const auto& t : cfg.cloud.extra_instance_types)
    types.push_back({{"Name", t.name}, {"VCpus", t.vcpus}, {"MemoryMiB", t.memory_mib}, {"Gpus", t.gpus}});
  const auto& c = cfg.clustermgtd;
  json clustermgtd = {{"LoopTime", c.loop_time_s},
                      {"NodeReplacementTimeout", c.node_replacement_timeout_s},
                      {"OrphanedInstanceTimeout", c.orphaned_instance_timeout_s},
                      {"HealthCheckTimeout", c.health_check_timeout_s},
                      {"HealthCheckTimeoutAfterSlurmdStartTime", c.health_check_timeout_after_slurmdstarttime_s},
                      {"InsufficientCapacityTimeout", c.insufficient_capacity_timeout_s},
                      {"ProtectedFailureCount", c.protected_failure_count},
                      {"Ec2InstanceMissingMaxCount", c.ec2_instance_missing_max_count},
                      {"TerminateDrainNodes", c.terminate_drain_nodes},
                      {"TerminateDownNodes", c.terminate_down_nodes},
                      {"DisableEc2HealthCheck", c.disable_ec2_health_check},
                      {"DisableScheduledEventHealthCheck", c.disable_scheduled_event_health_check},
                      {"DisableAllClusterManagement", c.disable_all_cluster_management},
                      {"LaunchMaxBatchSize", c.launch_max_batch_size},
                      {"TerminateMaxBatchSize", c.terminate_max_batch_size},
                      {"UpdateNodeBatchSize", c.update_node_batch_size}};
  return {{"Region", cfg.region},
          {"Scheduling", scheduling},
          {"Cloud",
           {{"Provider", cfg.cloud.provider},
            {"Endpoint", cfg.cloud.endpoint},
            {"Credentials", cfg.cloud.credentials},
            {"InstanceTypes", types}}},
          {"Daemons",
           {{"Clustermgtd", clustermgtd},
            {"Computemgtd",
             {{"LoopTime", cfg.computemgtd.loop_time_s},
              {"ClustermgtdTimeout", cfg.computemgtd.clustermgtd_timeout_s}}}}}};
}

nlohmann::json to_json(const std::vector<ConfigIssue>& issues) {
  json out = json::array();
  for (const auto& i : issues)
    out.push_back({{"Path", i.path}, {"Line", i.line}, {"Column", i.column}, {"Message", i.message}});
  return out;
}

}  // namespace ebbflow::config
