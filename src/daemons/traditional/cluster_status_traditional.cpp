// `ebbflow cluster status` for a traditional-mode cluster: the Auto Scaling group as the cloud
// reports it and the scheduler's hosts (for Slurm: the bound node slots), joined by address.
#include <cstdio>
#include <map>
#include <sstream>

#include "daemons/process.h"
#include "daemons/traditional_mode.h"
#include "daemons/sge/exec_host.h"
#include "scheduler/sge/sge_scheduler.h"
#include "scheduler/slurm/traditional_slurm.h"

namespace ebbflow::daemons {

void add_traditional_status(const ClusterContext& ctx, nlohmann::json& j) {
  using nlohmann::json;
  j["mode"] = "traditional";
  j["scheduler"] = ctx.config.scheduler;
  // Queue-mode parts that do not exist here.
  for (const char* d : {"clustermgtd", "dashboard"}) j["daemons"].erase(d);
  for (const char* k : {"fleet", "protected_partitions", "disabled_compute_resources", "replacing"}) j.erase(k);
  if (ctx.config.scheduler == "sge") {
    for (const char* d : {"slurmctld", "munged"}) j["daemons"].erase(d);
    auto pid = read_pid_file(ctx.paths.run_dir() + "/sge_qmaster.pid");
    j["daemons"]["sge_qmaster"] = {{"pid", pid.ok() ? *pid : 0}, {"running", pid.ok() && pid_alive(*pid, "sge_qmaster")}};
  }
  for (const char* d : {"jobwatcher", "sqswatcher"}) {
    auto pid = read_pid_file(ctx.paths.run_dir() + "/" + d + ".pid");
    j["daemons"][d] = {{"pid", pid.ok() ? *pid : 0}, {"running", pid.ok() && pid_alive(*pid, d)}};
  }
  auto asg = make_autoscaling_client(ctx);
  auto groups = asg->describe_groups({group_name(ctx.runtime.name)});
  std::map<std::string, std::string> state_of;  // instance id -> lifecycle state
  if (groups.ok() && !groups->empty()) {
    const auto& g = groups->front();
    json gj = {{"name", g.name}, {"min_size", g.min_size}, {"desired_capacity", g.desired_capacity},
               {"max_size", g.max_size}, {"instances", json::array()}};
    for (const auto& i : g.instances) {
      gj["instances"].push_back({{"id", i.instance_id}, {"lifecycle_state", i.lifecycle_state}, {"health", i.health_status}});
      state_of[i.instance_id] = i.lifecycle_state;
    }
    j["group"] = gj;
  } else {
    j["group"] = nullptr;
    j["group_error"] = groups.ok() ? "no group " + group_name(ctx.runtime.name) : groups.error().describe();
  }
  std::map<std::string, std::string> instance_by_ip;
  auto ec2 = make_ec2_client(ctx);
  if (auto live = ec2->describe_instances(compute_instance_filters(ctx.runtime.name)); live.ok()) {
    j["instance_count"] = live->size();
    for (const auto& i : *live) instance_by_ip[i.private_ip] = i.instance_id;
  } else {
    j["instance_error"] = live.error().describe();
  }
  json hosts = json::array();
  if (ctx.config.scheduler == "slurm") {
    SubprocessRunner runner;
    slurm::TraditionalSlurm slurm(runner, {"/usr/bin", ctx.paths.slurm_conf()});
    auto slots = slurm.slots();
    if (slots.ok()) {
      for (const auto& s : *slots) {
        if (!s.bound()) continue;
        auto it = instance_by_ip.find(s.addr);
        hosts.push_back({{"hostname", s.hostname}, {"node", s.name}, {"address", s.addr}, {"state", s.state},
                         {"reason", s.reason}, {"instance", it == instance_by_ip.end() ? "" : it->second}});
      }
    } else {
      j["scheduler_error"] = slots.error().describe();
    }
  }
  if (ctx.config.scheduler == "sge") {
    SubprocessRunner runner;
    ::ebbflow::sge::SgeSettings settings;
    settings.bin_dir = ctx.paths.bin_dir();
    ::ebbflow::sge::SgeScheduler sge_sched(runner, settings);
    auto listed = sge_sched.hosts();
    if (listed.ok()) {
      for (const auto& h : *listed) {
        std::string instance;
        for (const auto& [ip, iid] : instance_by_ip)  // instance hostnames follow ip-a-b-c-d
          if (h.name == "ip-" + [&] { std::string s = ip; for (auto& c : s) if (c == '.') c = '-'; return s; }()) instance = iid;
        auto rec = daemons::sge::load_exec_host(ctx.paths, h.name);
        hosts.push_back({{"hostname", h.name}, {"node", h.queue + "@" + h.name}, {"address", rec.ok() ? rec->ip : ""},
                         {"state", h.state.empty() ? "ok" : h.state}, {"reason", ""}, {"instance", instance},
                         {"slots_used", h.slots_used}, {"slots_total", h.slots_total}});
      }
    } else {
      j["scheduler_error"] = listed.error().describe();
    }
  }
  j["hosts"] = hosts;
}

std::string render_traditional_status(const nlohmann::json& j) {
  std::ostringstream o;
  char line[256];
  if (j.contains("group") && j["group"].is_object()) {
    const auto& g = j["group"];
    o << "\nAuto Scaling group " << g["name"].get<std::string>() << ": min " << g["min_size"] << ", desired "
      << g["desired_capacity"] << ", max " << g["max_size"] << "\n";
    for (const auto& i : g["instances"])
      o << "  " << i["id"].get<std::string>() << "  " << i["lifecycle_state"].get<std::string>() << "  "
        << i["health"].get<std::string>() << "\n";
  } else if (j.contains("group_error")) {
    o << "\nAuto Scaling group: " << j["group_error"].get<std::string>() << "\n";
  }
  if (j.contains("scheduler_error")) o << "Scheduler: " << j["scheduler_error"].get<std::string>() << "\n";
  o << "\nHosts (" << j.value("scheduler", "") << ")\n";
  std::snprintf(line, sizeof line, "  %-20s %-22s %-16s %-24s %-20s %s\n", "HOSTNAME", "NODE", "ADDRESS", "STATE", "INSTANCE", "REASON");
  o << line;
  for (const auto& h : j["hosts"]) {
    std::snprintf(line, sizeof line, "  %-20s %-22s %-16s %-24s %-20s %s\n", h["hostname"].get<std::string>().c_str(),
                  h["node"].get<std::string>().c_str(), h["address"].get<std::string>().c_str(),
                  h["state"].get<std::string>().c_str(), h["instance"].get<std::string>().c_str(),
                  h["reason"].get<std::string>().c_str());
    o << line;
  }
  return o.str();
}

}  // namespace ebbflow::daemons
