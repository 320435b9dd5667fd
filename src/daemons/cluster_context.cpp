#include "daemons/cluster_context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"

namespace ebbflow::daemons {

std::string ebbflow_home() {
  const char* h = std::getenv("EBBFLOW_HOME");
  return (h && *h) ? std::string(h) : std::string("/var/lib/ebbflow");
}

std::string cluster_root(const std::string& name) { return ebbflow_home() + "/clusters/" + name; }

std::string ClusterPaths::slurmd_spool_root() const {
  // FNV-1a of the cluster folder: short, stable, and distinct for two clusters on one machine.
  uint32_t h = 2166136261u;
  for (unsigned char c : root) h = (h ^ c) * 16777619u;
  char id[9];
  std::snprintf(id, sizeof id, "%08x", h);
  return std::string("/var/spool/ebbflow/") + id;
}

size_t longest_step_socket_path(const ClusterPaths& paths, size_t longest_node_name) {
  // <spool root>/<node>/<node>_<job id, up to 10 digits>.<step id, up to 10 digits>
  return paths.slurmd_spool_root().size() + 1 + longest_node_name + 1 + longest_node_name + 1 + 10 + 1 + 10;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot create " + tmp);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t w = ::write(fd, content.data() + off, content.size() - off);
    if (w <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot write " + tmp);
    }
    off += static_cast<size_t>(w);
  }
  ::fchmod(fd, mode);
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot rename " + tmp + " to " + path);
  }
  return {};
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::kNotFound, "FileNotFound", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<ClusterRuntime> load_runtime(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  try {
    auto j = nlohmann::json::parse(*text);
    ClusterRuntime rt;
    rt.name = j.at("name");
    rt.provider = j.value("provider", "local");
    rt.region = j.value("region", "us-east-1");
    rt.cloud_endpoint = j.value("cloud_endpoint", "");
    rt.access_key_id = j.value("access_key_id", "");
    rt.secret_access_key = j.value("secret_access_key", "");
    rt.slurmctld_port = j.value("slurmctld_port", 0);
    rt.node_port_base = j.value("node_port_base", 0);
    rt.address_pool = j.value("address_pool", "");
    rt.ebbflow_binary = j.value("ebbflow_binary", "");
    rt.created_at = j.value("created_at", int64_t{0});
    rt.traditional_loop_s = j.value("traditional_loop_s", 0);
    return rt;
  } catch (const std::exception& e) {
    return make_error(ErrorKind::kInvalidInput, "CorruptRuntime", path + ": " + e.what());
  }
}

Status save_runtime(const ClusterRuntime& rt, const std::string& path) {
  nlohmann::json j = {{"name", rt.name},
                      {"provider", rt.provider},
                      {"region", rt.region},
                      {"cloud_endpoint", rt.cloud_endpoint},
                      {"access_key_id", rt.access_key_id},
                      {"secret_access_key", rt.secret_access_key},
                      {"slurmctld_port", rt.slurmctld_port},
                      {"node_port_base", rt.node_port_base},
                      {"address_pool", rt.address_pool},
                      {"ebbflow_binary", rt.ebbflow_binary},
                      {"created_at", rt.created_at},
                      {"traditional_loop_s", rt.traditional_loop_s}};
  // The file holds the local cloud's secret: readable by its owner only.
  return write_file_atomic(path, j.dump(2) + "\n", 0600);
}

Result<ClusterContext> load_cluster(const std::string& root) {
  ClusterContext ctx;
  ctx.paths.root = root;
  auto rt = load_runtime(ctx.paths.runtime());
  if (!rt.ok()) {
    if (rt.error().kind == ErrorKind::kNotFound)
      return make_error(ErrorKind::kNotFound, "NoSuchCluster", root + " is not an ebbflow cluster (no cluster.json)");
    return rt.error();
  }
  ctx.runtime = std::move(*rt);
  auto loaded = config::load_cluster_config_file(ctx.paths.config());
  if (!loaded.config) {
    std::string msg = "invalid cluster configuration " + ctx.paths.config();
    for (const auto& issue : loaded.issues) msg += "\n  " + issue.to_string(ctx.paths.config());
    return make_error(ErrorKind::kInvalidInput, "InvalidConfig", msg);
  }
  ctx.config = std::move(*loaded.config);
  return ctx;
}

std::vector<core::QueueSpec> queue_specs(const config::ClusterConfig& cfg) {
  std::vector<core::QueueSpec> out;
  for (const auto& q : cfg.queues) {
    core::QueueSpec qs{q.name, {}};
    for (const auto& cr : q.compute_resources)
      qs.compute_resources.push_back({cr.name, cr.instance_type, cr.min_count, cr.max_count});
    out.push_back(std::move(qs));
  }
  return out;
}

core::ManagerSettings manager_settings(const config::ClusterConfig& cfg) {
  core::ManagerSettings s;
  const auto& c = cfg.clustermgtd;
  s.queues = queue_specs(cfg);
  s.node_replacement_timeout = c.node_replacement_timeout_s;
  s.orphaned_instance_timeout = c.orphaned_instance_timeout_s;
  s.health_check_timeout = c.health_check_timeout_s;
  s.health_check_timeout_after_slurmdstarttime = c.health_check_timeout_after_slurmdstarttime_s;
  s.insufficient_capacity_timeout = c.insufficient_capacity_timeout_s;
  s.protected_failure_count = c.protected_failure_count;
  s.ec2_instance_missing_max_count = c.ec2_instance_missing_max_count;
  s.terminate_drain_nodes = c.terminate_drain_nodes;
  s.terminate_down_nodes = c.terminate_down_nodes;
  s.disable_ec2_health_check = c.disable_ec2_health_check;
  s.disable_scheduled_event_health_check = c.disable_scheduled_event_health_check;
  s.disable_all_cluster_management = c.disable_all_cluster_management;
  if (cfg.slurm.warm_pool() && cfg.slurm.scaledown_idletime_min > 0) {
    core::ScaleDownSettings w;  // the simulator's defaults (docs/simulation.md), feedback included
    w.idle_limit = int64_t{4} * cfg.slurm.scaledown_idletime_min * 60;
    w.feedback_idle_timer = int64_t{1} * cfg.slurm.scaledown_idletime_min * 60;  // the idle timer it compares with
    s.warm_pool = w;
  }
  return s;
}

std::unique_ptr<aws::Ec2Api> make_ec2_client(const ClusterContext& ctx) {
  aws::ClientConfig cc;
  cc.endpoint = ctx.runtime.cloud_endpoint;
  cc.region = ctx.runtime.region.empty() ? ctx.config.region : ctx.runtime.region;
  if (cc.region.empty()) {
    auto region = aws::resolve_region();  // AWS_REGION, the profile, IMDS placement/region
    if (region.ok()) cc.region = *region;
  }
  if (ctx.runtime.provider == "aws" || ctx.runtime.access_key_id.empty()) {
    // On AWS (or a local-cloud instance without keys in cluster.json): the SDK credential
    // chain, shared by every client in this process so the role credentials are fetched once
    // per refresh, not once per client.
    cc.credentials_provider = aws::shared_default_credentials_chain();
  } else {
    cc.credentials.access_key_id = ctx.runtime.access_key_id;
    cc.credentials.secret_access_key = ctx.runtime.secret_access_key;
  }
  return std::make_unique<aws::Ec2Client>(cc, std::make_unique<aws::CurlHttpClient>());
}

std::string launch_template_name(const std::string& cluster, const std::string& queue, const std::string& cr) {
  return cluster + "-" + queue + "-" + cr;
}

std::vector<aws::Filter> compute_instance_filters(const std::string& cluster) {
  return {{std::string("tag:") + kTagCluster, {cluster}},
          {std::string("tag:") + kTagNodeType, {"Compute"}},
          {"instance-state-name", {"pending", "running", "stopping", "stopped"}}};
}

core::CloudInstance to_cloud_instance(const aws::Ec2Instance& i) {
  core::CloudInstance c;
  c.id = i.instance_id;
  c.private_ip = i.private_ip;
  c.all_private_ips = i.all_private_ips;
  c.hostname = i.private_dns_name;
  c.instance_type = i.instance_type;
  c.state = i.state;
  c.launch_time = i.launch_time;
  auto it = i.tags.find(kTagNodeName);
  if (it != i.tags.end()) c.node_name_tag = it->second;
  return c;
}

core::CloudInstance to_cloud_instance(aws::Ec2Instance&& i) {
  core::CloudInstance c;
  c.id = std::move(i.instance_id);
  c.private_ip = std::move(i.private_ip);
  c.all_private_ips = std::move(i.all_private_ips);
  c.hostname = std::move(i.private_dns_name);
  c.instance_type = std::move(i.instance_type);
  c.state = std::move(i.state);
  c.launch_time = i.launch_time;
  static const std::string kNodeNameKey = kTagNodeName;  // no temporary key string per instance
  auto it = i.tags.find(kNodeNameKey);
  if (it != i.tags.end()) c.node_name_tag = std::move(it->second);
  return c;
}

}  // namespace ebbflow::daemons
