#include "daemons/cluster_status.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "daemons/cluster_context.h"
#include "daemons/clustermgtd.h"
#include "daemons/event_log.h"
#include "daemons/metrics_registry.h"
#include "daemons/process.h"
#include "daemons/traditional_mode.h"
#include "scheduler/slurm/slurm_client.h"
#include "store/state_store.h"

namespace ebbflow::daemons {

Result<nlohmann::json> cluster_status(const std::string& name) { return cluster_status_dir(cluster_root(name)); }

Result<nlohmann::json> cluster_status_dir(const std::string& root) {
  auto ctx = load_cluster(root);
  if (!ctx.ok()) return ctx.error();
  const std::string name = ctx->runtime.name.empty() ? root.substr(root.find_last_of('/') + 1) : ctx->runtime.name;
  using nlohmann::json;
  const int64_t now = unix_now();
  json j;
  j["name"] = name;
  j["root"] = ctx->paths.root;
  j["provider"] = ctx->runtime.provider;
  j["region"] = ctx->runtime.region;
  j["cloud_endpoint"] = ctx->runtime.cloud_endpoint;
  json daemons = json::object();
  for (const auto& [label, file, expect] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"clustermgtd", "clustermgtd.pid", "clustermgtd"},
           {"slurmctld", "slurmctld.pid.ebbflow", "slurmctld"},
           {"munged", "munged.pid", "munged"},
           {"cloud", "cloud.pid", "cloud"},
           {"dashboard", "dashboard.pid", "dashboard"}}) {
    auto pid = read_pid_file(ctx->paths.run_dir() + "/" + file);
    daemons[label] = {{"pid", pid.ok() ? *pid : 0}, {"running", pid.ok() && pid_alive(*pid, expect)}};
  }
  j["daemons"] = daemons;
  // The dashboard writes its address when it listens (dashboard.h); a stale file of a stopped
  // dashboard is not reported.
  j["dashboard_url"] = nullptr;
  j["metrics_url"] = nullptr;
  if (auto endpoint = read_file(ctx->paths.run_dir() + "/dashboard.endpoint");
      endpoint.ok() && daemons["dashboard"].value("running", false)) {
    std::string url = *endpoint;
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
    j["dashboard_url"] = url + "/";
    j["metrics_url"] = url + "/metrics";
  }
  auto hb = read_heartbeat(ctx->paths.heartbeat());
  j["heartbeat_age_s"] = hb.ok() ? json(now - *hb) : json(nullptr);
  // clustermgtd's last iteration, from the metrics it persists (metrics_registry.h).
  j["last_iteration"] = nullptr;
  if (auto text = read_file(clustermgtd_metrics_path(ctx->paths.root)); text.ok()) {
    auto m = json::parse(*text, nullptr, false);
    if (m.is_object() && m.contains("last_iteration") && m["last_iteration"].is_object()) j["last_iteration"] = m["last_iteration"];
  }
  if (auto store = store::StateStore::open(ctx->paths.state_db()); store.ok()) {
    if (auto st = store->load_manager_state(); st.ok()) {
      j["fleet"] = core::to_string(st->fleet);
      j["protected_partitions"] = st->protected_partitions;
      json ice = json::array();
      for (const auto& [key, rec] : st->insufficient_capacity)
        ice.push_back({{"queue", key.first}, {"compute_resource", key.second}, {"error_code", rec.error_code},
                       {"since", iso8601(rec.since)}});
      j["disabled_compute_resources"] = ice;
      j["replacing"] = st->replacing.size();
    }
  }
  if (!ctx->config.queue_mode()) {  // traditional mode: the group and the scheduler's hosts
    add_traditional_status(*ctx, j);
    j["queues"] = json::array();
    return j;
  }
  // Instances by address, for the node table.
  std::map<std::string, aws::Ec2Instance> by_ip;
  auto ec2 = make_ec2_client(*ctx);
  auto instances = ec2->describe_instances(compute_instance_filters(name));
  if (instances.ok()) {
    j["instance_count"] = instances->size();
    for (const auto& i : *instances)
      for (const auto& ip : i.all_private_ips.empty() ? std::vector<std::string>{i.private_ip} : i.all_private_ips)
        by_ip[ip] = i;
  } else {
    j["instance_error"] = instances.error().describe();
  }
  SubprocessRunner runner;
  slurm::SlurmClient slurm(runner, {"/usr/bin", ctx->paths.slurm_conf()});
  auto nodes = slurm.show_nodes();
  json queues = json::array();
  if (nodes.ok()) {
    for (const auto& q : ctx->config.queues) {
      json qj = {{"name", q.name}, {"compute_resources", json::array()}};
      for (const auto& cr : q.compute_resources) {
        json crj = {{"name", cr.name}, {"instance_type", cr.instance_type}, {"instance_types", cr.instance_types},
                    {"launch_api", cr.launch_api}, {"min_count", cr.min_count},
                    {"max_count", cr.max_count}, {"nodes", json::array()}};
        std::map<std::string, int> by_state;
        for (const auto& n : *nodes) {
          if (n.queue != q.name || n.compute_resource != cr.name) continue;
          json nj = {{"name", n.name}, {"state", n.state_string}, {"address", n.is_nodeaddr_set() ? n.addr : ""},
                     {"reason", n.reason}, {"type", n.is_static() ? "static" : "dynamic"}};
          auto it = n.is_nodeaddr_set() ? by_ip.find(n.addr) : by_ip.end();
          nj["instance"] = it != by_ip.end() ? it->second.instance_id : "";
          if (n.last_busy_time && n.has(core::kIdle) && !n.is_power()) nj["idle_s"] = now - *n.last_busy_time;
          by_state[n.is_power() ? "power-saved" : n.state_string] += 1;
          crj["nodes"].push_back(nj);
        }
        crj["nodes_by_state"] = by_state;
        qj["compute_resources"].push_back(crj);
      }
      queues.push_back(qj);
    }
  } else {
    j["slurm_error"] = nodes.error().describe();
  }
  j["queues"] = queues;
  return j;
}

std::string render_status_table(const nlohmann::json& j) {
  std::ostringstream o;
  const bool traditional = j.value("mode", "") == "traditional";
  o << "Cluster " << j.value("name", "");
  if (traditional) {
    o << "  traditional mode, " << j.value("scheduler", "");
  } else {
    o << "  fleet " << j.value("fleet", "?") << "  heartbeat ";
    if (j["heartbeat_age_s"].is_null()) o << "never";
    else o << j["heartbeat_age_s"].get<int64_t>() << " s ago";
  }
  if (auto it = j.find("last_iteration"); it != j.end() && it->is_object() && it->contains("seconds") &&
      (*it)["seconds"].is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f s", (*it)["seconds"].get<double>());
    o << "  last iteration " << buf << " " << it->value("outcome", "");
  }
  o << "  instances " << j.value("instance_count", 0) << "\n";
  o << "Daemons:";
  for (const auto& [name, d] : j["daemons"].items())
    o << "  " << name << "=" << (d.value("running", false) ? "running" : "STOPPED");
  o << "\n";
  if (j.value("dashboard_url", nlohmann::json()).is_string())
    o << "Dashboard: " << j["dashboard_url"].get<std::string>() << "  metrics: " << j["metrics_url"].get<std::string>() << "\n";
  if (j.contains("slurm_error")) o << "Slurm: " << j["slurm_error"].get<std::string>() << "\n";
  if (j.contains("instance_error")) o << "Cloud: " << j["instance_error"].get<std::string>() << "\n";
  const nlohmann::json protected_partitions = j.value("protected_partitions", nlohmann::json::object());
  for (const auto& [part, why] : protected_partitions.items())
    o << "PROTECTED MODE: queue " << part << " disabled: " << why.get<std::string>() << "\n";
  if (traditional) o << render_traditional_status(j);
  char line[256];
  for (const auto& q : j["queues"]) {
    for (const auto& cr : q["compute_resources"]) {
      std::string types = cr["instance_type"].get<std::string>();
      if (cr.contains("instance_types") && cr["instance_types"].size() > 1) {
        types.clear();
        for (const auto& t : cr["instance_types"]) types += (types.empty() ? "" : ",") + t.get<std::string>();
      }
      if (cr.value("launch_api", "") == config::kApiCreateFleet) types += " via create-fleet";
      o << "\nQueue " << q["name"].get<std::string>() << " / " << cr["name"].get<std::string>() << " ("
        << types << ", min " << cr["min_count"] << ", max " << cr["max_count"] << ")\n";
      std::snprintf(line, sizeof line, "  %-28s %-8s %-36s %-16s %-20s %s\n", "NODE", "TYPE", "STATE", "ADDRESS", "INSTANCE", "REASON");
      o << line;
      for (const auto& n : cr["nodes"]) {
        std::snprintf(line, sizeof line, "  %-28s %-8s %-36s %-16s %-20s %s\n", n["name"].get<std::string>().c_str(),
                      n["type"].get<std::string>().c_str(), n["state"].get<std::string>().c_str(),
                      n["address"].get<std::string>().c_str(), n["instance"].get<std::string>().c_str(),
                      n["reason"].get<std::string>().c_str());
        o << line;
      }
    }
  }
  return o.str();
}

}  // namespace ebbflow::daemons
