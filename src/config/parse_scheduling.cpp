// Scheduling: the scheduler, Slurm settings, queues and compute resources (queue mode) or the
// Auto Scaling group (traditional mode).
#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>

#include "config/naming_rules.h"
#include "config/parse_sections.h"
#include "config/text_match.h"

namespace ebbflow::config::detail {
namespace {

constexpr int kDay = 86400;

void parse_slurm_settings(const YAML::Node& node, SlurmSettings& s, Issues& issues) {
  MapReader r(node, "Scheduling.SlurmSettings",
              {"ScaledownIdletime", "ResumeTimeout", "SuspendTimeout", "ScalingStrategy", "ScaledownPolicy"}, issues);
  int idle = s.scaledown_idletime_min;
  if (r.read_int("ScaledownIdletime", idle, -1, 525600, "minutes")) {
    if (idle == 0) {
      issues.add(r.path_of("ScaledownIdletime"), r.value_mark("ScaledownIdletime"),
                 "ScaledownIdletime must be -1 (never scale down) or at least 1 minute, got 0");
    } else {
      s.scaledown_idletime_min = idle;
    }
  }
  r.read_int("ResumeTimeout", s.resume_timeout_s, 1, kDay, "seconds");
  r.read_int("SuspendTimeout", s.suspend_timeout_s, 1, kDay, "seconds");
  r.read_one_of("ScalingStrategy", {"all-or-nothing", "best-effort"}, s.scaling_strategy);
  r.read_one_of("ScaledownPolicy", {"idle-timer", "warm-pool"}, s.scaledown_policy);
}

// Queue-level launch settings that each compute resource inherits unless it sets its own
// (ParallelCluster 3 puts CapacityType and AllocationStrategy on the queue).
struct QueueLaunchDefaults {
  std::string capacity_type = "on-demand";
  std::string allocation_strategy;  // "" = not given: lowest-price
};

// "ONDEMAND" -> "on-demand", "SPOT" -> "spot" (EC2's DefaultTargetCapacityType); false and an
// issue when the value is anything else.
bool read_capacity_type(MapReader& r, std::string& out) {
  std::string v;
  if (!r.read_string("CapacityType", v)) return false;
  if (v == "ONDEMAND") return out = "on-demand", true;
  if (v == "SPOT") return out = "spot", true;
  std::string msg = "CapacityType must be ONDEMAND or SPOT, got '" + v + "'";
  if (v == "CAPACITY_BLOCK") {
    msg += " (capacity blocks need a capacity reservation in the launch template, which ebbflow does not manage)";
  } else if (std::string hint = closest_match(v, {"ONDEMAND", "SPOT"}); !hint.empty()) {
    msg += "; did you mean '" + hint + "'?";
  }
  r.issues().add(r.path_of("CapacityType"), r.value_mark("CapacityType"), msg);
  return false;
}

// The strategies EC2 Fleet accepts for the capacity type (SpotOptions / OnDemandOptions).
const std::vector<std::string>& allocation_strategies(const std::string& capacity_type) {
  static const std::vector<std::string> kSpot{"lowest-price", "capacity-optimized", "price-capacity-optimized"};
  static const std::vector<std::string> kOnDemand{"lowest-price", "prioritized"};
  return capacity_type == "spot" ? kSpot : kOnDemand;
}

void check_allocation_strategy(MapReader& r, const YAML::Mark& mark, const std::string& path,
                               const std::string& strategy, const std::string& capacity_type) {
  const auto& allowed = allocation_strategies(capacity_type);
  if (std::find(allowed.begin(), allowed.end(), strategy) != allowed.end()) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string msg = "AllocationStrategy '" + strategy + "' is not valid for CapacityType " +
                    (capacity_type == "spot" ? "SPOT" : "ONDEMAND") + " (allowed: " + list + ")";
  if (std::string hint = closest_match(strategy, allowed); !hint.empty() && hint != strategy)
    msg += "; did you mean '" + hint + "'?";
  r.issues().add(path, mark, msg);
}

// Instances: [{InstanceType: a}, {InstanceType: b}]: each type in the catalog, no duplicates, all
// with the vCPU count of the first (one Slurm node definition covers every type).
void parse_instances(const YAML::Node& list, MapReader& cr_reader, const ClusterConfig& cfg, ComputeResource& cr,
                     Issues& issues) {
  const std::string path = cr_reader.path_of("Instances");
  if (list.size() == 0) {
    issues.add(path, cr_reader.value_mark("Instances"), "Instances must list at least one {InstanceType: TYPE}");
    return;
  }
  std::optional<InstanceTypeInfo> first;
  std::map<std::string, int> seen;  // type -> line of first use
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    MapReader r(list[i], item_path, {"InstanceType"}, issues);
    if (!r.is_map()) {
      if (!list[i].IsDefined() || list[i].IsNull())
        issues.add(item_path, list[i].Mark(), "each Instances entry must be a mapping {InstanceType: TYPE}");
      continue;
    }
    std::string type;
    if (!r.require("InstanceType") || !r.read_string("InstanceType", type)) continue;
    auto [it, fresh] = seen.emplace(type, r.value_mark("InstanceType").line + 1);
    if (!fresh) {
      issues.add(r.path_of("InstanceType"), r.value_mark("InstanceType"),
                 "instance type '" + type + "' is listed twice (first at line " + std::to_string(it->second) + ")");
      continue;
    }
    auto info = find_instance_type(cfg, type);
    if (!info) {
      check_instance_type(cfg, type, r, "InstanceType");
      continue;
    }
    cr.instance_types.push_back(type);
    if (!first) {
      first = info;
    } else if (info->vcpus != first->vcpus) {
      issues.add(r.path_of("InstanceType"), r.value_mark("InstanceType"),
                 "instance type '" + type + "' has " + std::to_string(info->vcpus) + " vCPUs but '" + first->name +
                     "' has " + std::to_string(first->vcpus) +
                     ": every instance type of a compute resource needs the same vCPU count (its nodes share one "
                     "Slurm node definition)");
    }
  }
  if (!cr.instance_types.empty()) cr.instance_type = cr.instance_types.front();
}

void parse_launch_settings(MapReader& r, const QueueLaunchDefaults& defaults, const SlurmQueue& q,
                           ComputeResource& cr, Issues& issues) {
  cr.capacity_type = defaults.capacity_type;
  read_capacity_type(r, cr.capacity_type);
  r.read_string("SpotPrice", cr.spot_price);
  if (!cr.spot_price.empty()) {
    char* end = nullptr;
    double price = std::strtod(cr.spot_price.c_str(), &end);
    if (end == cr.spot_price.c_str() || *end != '\0' || !(price > 0)) {
      issues.add(r.path_of("SpotPrice"), r.value_mark("SpotPrice"),
                 "SpotPrice must be a positive number (US dollars per hour), got '" + cr.spot_price + "'");
      cr.spot_price.clear();
    } else if (cr.capacity_type != "spot") {
      issues.add(r.path_of("SpotPrice"), r.value_mark("SpotPrice"),
                 "SpotPrice applies only to CapacityType SPOT (this compute resource is ONDEMAND)");
    }
  }
  bool multi_type = cr.instance_types.size() > 1 || r.has("Instances");
  std::string api;
  if (r.read_string("LaunchApi", api)) {
    if (api != kApiRunInstances && api != kApiCreateFleet) {
      std::string msg = "LaunchApi must be 'run-instances' or 'create-fleet', got '" + api + "'";
      if (std::string hint = closest_match(api, {kApiRunInstances, kApiCreateFleet}); !hint.empty())
        msg += "; did you mean '" + hint + "'?";
      issues.add(r.path_of("LaunchApi"), r.value_mark("LaunchApi"), msg);
      api.clear();
    } else if (api == kApiRunInstances && cr.instance_types.size() > 1) {
      issues.add(r.path_of("LaunchApi"), r.value_mark("LaunchApi"),
                 "LaunchApi run-instances launches one instance type; this compute resource lists " +
                     std::to_string(cr.instance_types.size()) + " under Instances (use create-fleet)");
    } else if (api == kApiRunInstances && cr.capacity_type == "spot") {
      issues.add(r.path_of("LaunchApi"), r.value_mark("LaunchApi"),
                 "CapacityType SPOT needs LaunchApi create-fleet (ebbflow's launch templates carry no spot market "
                 "options for RunInstances)");
    } else if (api == kApiRunInstances && q.subnet_ids.size() > 1) {
      issues.add(r.path_of("LaunchApi"), r.value_mark("LaunchApi"),
                 "LaunchApi run-instances takes one subnet; queue '" + q.name + "' lists " +
                     std::to_string(q.subnet_ids.size()) + " under Networking.SubnetIds (use create-fleet)");
    }
  }
  if (api.empty()) api = (multi_type || cr.capacity_type == "spot" || q.subnet_ids.size() > 1) ? kApiCreateFleet
                                                                                             : kApiRunInstances;
  cr.launch_api = api;

  std::string strategy = defaults.allocation_strategy;
  YAML::Mark strategy_mark = YAML::Mark::null_mark();
  std::string strategy_path = r.path_of("AllocationStrategy");
  if (r.read_string("AllocationStrategy", strategy)) {
    strategy_mark = r.value_mark("AllocationStrategy");
    if (!cr.uses_create_fleet()) {
      issues.add(strategy_path, strategy_mark,
                 "AllocationStrategy applies only to compute resources launched with create-fleet (this one uses "
                 "run-instances: one InstanceType, ONDEMAND)");
      return;
    }
  } else if (!strategy.empty()) {
    strategy_path.clear();  // inherited from the queue: report it there
  }
  if (strategy.empty()) return;  // the default, lowest-price, is valid for both capacity types
  if (strategy_path.empty()) {
    // The queue's strategy must suit this resource's capacity type.
    const auto& allowed = allocation_strategies(cr.capacity_type);
    if (std::find(allowed.begin(), allowed.end(), strategy) == allowed.end()) {
      issues.add(r.path(), r.mark(),
                 "the queue's AllocationStrategy '" + strategy + "' is not valid for this compute resource's CapacityType " +
                     (cr.capacity_type == "spot" ? "SPOT" : "ONDEMAND"));
      return;
    }
  } else {
    const size_t before = issues.size();
    check_allocation_strategy(r, strategy_mark, strategy_path, strategy, cr.capacity_type);
    if (issues.size() != before) return;
  }
  cr.allocation_strategy = strategy;
}

// Returns the node count this resource adds to the cluster (MaxCount), 0 when unreadable.
int parse_compute_resource(const YAML::Node& node, const std::string& path, const ClusterConfig& cfg,
                           const SlurmQueue& q, const QueueLaunchDefaults& defaults, ComputeResource& cr,
                           Issues& issues) {
  MapReader r(node, path,
              {"Name", "InstanceType", "Instances", "MinCount", "MaxCount", "CapacityType", "AllocationStrategy",
               "SpotPrice", "LaunchApi"},
              issues);
  if (!r.is_map()) {
    if (!node.IsDefined() || node.IsNull()) issues.add(path, node.Mark(), "a compute resource must be a mapping with Name and InstanceType");
    return 0;
  }
  if (r.require("Name") && r.read_string("Name", cr.name)) {
    if (auto bad = check_compute_resource_name(cr.name)) issues.add(r.path_of("Name"), r.value_mark("Name"), *bad);
  }
  if (r.has("Instances") && r.has("InstanceType")) {
    issues.add(r.path_of("Instances"), r.value_mark("Instances"),
               "give either InstanceType (one type) or Instances (a list of types), not both");
  } else if (r.has("Instances")) {
    const YAML::Node list = r.read_list("Instances");
    if (list.IsDefined()) parse_instances(list, r, cfg, cr, issues);
  } else if (r.require("InstanceType", "or an Instances list of {InstanceType: TYPE}") &&
             r.read_string("InstanceType", cr.instance_type)) {
    check_instance_type(cfg, cr.instance_type, r, "InstanceType");
    cr.instance_types = {cr.instance_type};
  }
  parse_launch_settings(r, defaults, q, cr, issues);
  bool min_ok = r.read_int("MinCount", cr.min_count, 0, kMaxNodesPerCluster);
  bool max_ok = r.read_int("MaxCount", cr.max_count, 0, kMaxNodesPerCluster);
  if (max_ok && cr.max_count == 0) {
    issues.add(r.path_of("MaxCount"), r.value_mark("MaxCount"),
               "MaxCount must be at least 1: a compute resource with no nodes cannot run anything (remove it instead)");
    return 0;
  }
  if ((min_ok || !r.has("MinCount")) && (max_ok || !r.has("MaxCount")) && cr.min_count > cr.max_count) {
    std::string key = r.has("MinCount") ? "MinCount" : "MaxCount";
    issues.add(r.path_of(key), r.value_mark(key),
               "MinCount (" + std::to_string(cr.min_count) + ") is greater than MaxCount (" + std::to_string(cr.max_count) +
                   (r.has("MaxCount") ? ")" : ", the default)") +
                   ": MinCount is the number of static nodes and MaxCount the total, so MinCount <= MaxCount");
  }
  return max_ok || !r.has("MaxCount") ? cr.max_count : 0;
}

int parse_queue(const YAML::Node& node, const std::string& path, const ClusterConfig& cfg, SlurmQueue& q,
                Issues& issues) {
  MapReader r(node, path, {"Name", "ComputeResources", "Networking", "CapacityType", "AllocationStrategy"}, issues);
  if (!r.is_map()) {
    if (!node.IsDefined() || node.IsNull()) issues.add(path, node.Mark(), "a queue must be a mapping with Name and ComputeResources");
    return 0;
  }
  if (r.require("Name") && r.read_string("Name", q.name)) {
    if (auto bad = check_queue_name(q.name)) issues.add(r.path_of("Name"), r.value_mark("Name"), *bad);
  }
  if (r.has("Networking")) {
    MapReader net(r.value("Networking"), r.path_of("Networking"), {"SubnetIds"}, issues);
    const YAML::Node ids = net.read_list("SubnetIds");
    std::map<std::string, int> seen_subnets;
    for (size_t i = 0; ids.IsDefined() && i < ids.size(); ++i) {
      const std::string id_path = net.path_of("SubnetIds") + "[" + std::to_string(i) + "]";
      if (!ids[i].IsScalar() || ids[i].Scalar().empty()) {
        issues.add(id_path, ids[i].Mark(), "a subnet id must be a string such as subnet-0abc, got " + describe_value(ids[i]));
        continue;
      }
      auto [it, fresh] = seen_subnets.emplace(ids[i].Scalar(), ids[i].Mark().line + 1);
      if (!fresh) {
        issues.add(id_path, ids[i].Mark(), "subnet '" + ids[i].Scalar() + "' is listed twice (first at line " +
                                               std::to_string(it->second) + ")");
        continue;
      }
      q.subnet_ids.push_back(ids[i].Scalar());
    }
  }
  QueueLaunchDefaults defaults;
  read_capacity_type(r, defaults.capacity_type);
  if (r.read_string("AllocationStrategy", defaults.allocation_strategy)) {
    const auto& allowed = allocation_strategies(defaults.capacity_type);
    if (std::find(allowed.begin(), allowed.end(), defaults.allocation_strategy) == allowed.end()) {
      check_allocation_strategy(r, r.value_mark("AllocationStrategy"), r.path_of("AllocationStrategy"),
                                defaults.allocation_strategy, defaults.capacity_type);
      defaults.allocation_strategy.clear();
    }
  }
  int nodes = 0;
  if (!r.require("ComputeResources", "each queue needs at least one compute resource")) return 0;
  const YAML::Node list = r.read_list("ComputeResources");
  if (!list.IsDefined()) return 0;
  if (list.size() == 0) {
    issues.add(r.path_of("ComputeResources"), r.value_mark("ComputeResources"),
               "ComputeResources must list at least one compute resource");
  }
  std::map<std::string, int> seen;  // name -> line of first use
  for (size_t i = 0; i < list.size(); ++i) {
    std::string cr_path = r.path_of("ComputeResources") + "[" + std::to_string(i) + "]";
    ComputeResource cr;
    nodes += parse_compute_resource(list[i], cr_path, cfg, q, defaults, cr, issues);
    if (!cr.name.empty()) {
      int line = list[i].Mark().line + 1;
      auto [it, fresh] = seen.emplace(cr.name, line);
      if (!fresh) {
        issues.add(cr_path + ".Name", list[i]["Name"].Mark(),
                   "duplicate compute resource name '" + cr.name + "' in queue '" + q.name + "' (first at line " +
                       std::to_string(it->second) + "): node names would collide");
      }
    }
    q.compute_resources.push_back(std::move(cr));
  }
  return nodes;
}

void parse_queues(const YAML::Node list, MapReader& sched, ClusterConfig& cfg, Issues& issues) {
  if (list.size() == 0) {
    issues.add(sched.path_of("SlurmQueues"), sched.value_mark("SlurmQueues"), "SlurmQueues must list at least one queue");
    return;
  }
  std::map<std::string, int> seen;
  long total_nodes = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = sched.path_of("SlurmQueues") + "[" + std::to_string(i) + "]";
    SlurmQueue q;
    total_nodes += parse_queue(list[i], path, cfg, q, issues);
    if (!q.name.empty()) {
      auto [it, fresh] = seen.emplace(q.name, list[i].Mark().line + 1);
      if (!fresh) {
        issues.add(path + ".Name", list[i]["Name"].Mark(),
                   "duplicate queue name '" + q.name + "' (first at line " + std::to_string(it->second) +
                       "): each queue is a Slurm partition and needs its own name");
      }
    }
    cfg.queues.push_back(std::move(q));
  }
  if (total_nodes > kMaxNodesPerCluster) {
    issues.add(sched.path_of("SlurmQueues"), sched.value_mark("SlurmQueues"),
               "the queues allow " + std::to_string(total_nodes) + " nodes in total (sum of MaxCount); at most " +
                   std::to_string(kMaxNodesPerCluster) + " are supported per cluster");
  }
}

void parse_auto_scaling_group(const YAML::Node& node, ClusterConfig& cfg, Issues& issues) {
  MapReader r(node, "Scheduling.AutoScalingGroup",
              {"InstanceType", "MinSize", "MaxSize", "InitialSize", "ScaledownIdletime"}, issues);
  AutoScalingGroupSettings g;
  if (!r.is_map()) {
    if (node.IsNull()) issues.add("Scheduling.AutoScalingGroup", node.Mark(), "AutoScalingGroup needs an InstanceType");
    cfg.auto_scaling_group = g;
    return;
  }
  if (r.require("InstanceType") && r.read_string("InstanceType", g.instance_type))
    check_instance_type(cfg, g.instance_type, r, "InstanceType");
  bool min_ok = r.read_int("MinSize", g.min_size, 0, kMaxNodesPerCluster);
  bool max_ok = r.read_int("MaxSize", g.max_size, 1, kMaxNodesPerCluster);
  g.initial_size = g.min_size;  // ParallelCluster 2 starts at the minimum unless told otherwise
  bool initial_ok = r.read_int("InitialSize", g.initial_size, 0, kMaxNodesPerCluster);
  r.read_int("ScaledownIdletime", g.scaledown_idletime_min, 1, 525600, "minutes");
  bool sizes_ok = (min_ok || !r.has("MinSize")) && (max_ok || !r.has("MaxSize"));
  if (sizes_ok && g.min_size > g.max_size) {
    std::string key = r.has("MinSize") ? "MinSize" : "MaxSize";
    issues.add(r.path_of(key), r.value_mark(key),
               "MinSize (" + std::to_string(g.min_size) + ") is greater than MaxSize (" + std::to_string(g.max_size) + ")");
  } else if (sizes_ok && initial_ok && (g.initial_size < g.min_size || g.initial_size > g.max_size)) {
    issues.add(r.path_of("InitialSize"), r.value_mark("InitialSize"),
               "InitialSize (" + std::to_string(g.initial_size) + ") must be between MinSize (" +
                   std::to_string(g.min_size) + ") and MaxSize (" + std::to_string(g.max_size) + ")");
  }
  cfg.auto_scaling_group = g;
}

}  // namespace

void check_instance_type(const ClusterConfig& cfg, const std::string& type, MapReader& reader, const std::string& key) {
  if (find_instance_type(cfg, type)) return;
  std::vector<std::string> names;
  for (const auto& t : cfg.cloud.extra_instance_types) names.push_back(t.name);
  for (const auto& t : builtin_instance_types()) names.push_back(t.name);
  std::string list;
  for (const auto& n : nearest_matches(type, names, 3)) list += (list.empty() ? "" : ", ") + n;
  reader.issues().add(reader.path_of(key), reader.value_mark(key),
                      "unknown instance type '" + type + "'; closest known: " + list +
                          " (add it under Cloud.InstanceTypes to use another type)");
}

void parse_scheduling(const YAML::Node& node, ClusterConfig& cfg, Issues& issues) {
  MapReader r(node, "Scheduling", {"Scheduler", "SlurmSettings", "SlurmQueues", "AutoScalingGroup"}, issues);
  if (!r.is_map()) {
    if (node.IsDefined() && node.IsNull())
      issues.add("Scheduling", node.Mark(), "Scheduling is empty: it needs SlurmQueues (or an AutoScalingGroup)");
    return;
  }
  std::string scheduler = cfg.scheduler;
  if (r.read_string("Scheduler", scheduler)) {
    if (scheduler != "slurm" && scheduler != "sge" && scheduler != "torque") {
      std::string msg = "Scheduler must be one of slurm, sge, torque, got '" + scheduler + "'";
      if (scheduler == "awsbatch") msg += " (AWS Batch is not supported by ebbflow)";
      issues.add(r.path_of("Scheduler"), r.value_mark("Scheduler"), msg);
    }
  }
  cfg.scheduler = scheduler;
  bool slurm = scheduler == "slurm";
  bool has_queues = r.has("SlurmQueues"), has_asg = r.has("AutoScalingGroup");

  if (r.has("SlurmSettings")) {
    if (slurm) {
      parse_slurm_settings(r.value("SlurmSettings"), cfg.slurm, issues);
    } else {
      issues.add(r.path_of("SlurmSettings"), r.value_mark("SlurmSettings"),
                 "SlurmSettings applies only to Scheduler slurm (this cluster uses " + scheduler + ")");
    }
  }
  if (slurm && has_queues && has_asg) {
    issues.add(r.path_of("AutoScalingGroup"), r.value_mark("AutoScalingGroup"),
               "give either SlurmQueues (queue mode) or AutoScalingGroup (traditional mode), not both");
  } else if (slurm && !has_queues && !has_asg) {
    r.require("SlurmQueues", "at least one queue with one compute resource; or an AutoScalingGroup for traditional mode");
  } else if (!slurm && !has_asg) {
    r.require("AutoScalingGroup", "scheduler " + scheduler + " runs in traditional mode, with one Auto Scaling group");
  }
  if (has_queues) {
    if (!slurm) {
      issues.add(r.path_of("SlurmQueues"), r.value_mark("SlurmQueues"),
                 "SlurmQueues applies only to Scheduler slurm; " + scheduler + " uses AutoScalingGroup");
    } else {
      const YAML::Node list = r.read_list("SlurmQueues");
      if (list.IsDefined()) parse_queues(list, r, cfg, issues);
    }
  }
  if (has_asg && !(slurm && has_queues)) parse_auto_scaling_group(r.value("AutoScalingGroup"), cfg, issues);
}

}  // namespace ebbflow::config::detail
