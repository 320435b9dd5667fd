// The compute node's main process: bootstrap (IMDS -> node name -> slurmd) and computemgtd.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "aws/http.h"
#include "daemons/cluster_context.h"
#include "daemons/clustermgtd.h"
#include "daemons/event_log.h"
#include "daemons/heartbeat_watch.h"
#include "daemons/slurm_programs.h"
#include "daemons/traditional_mode.h"
#include "scheduler/slurm/slurm_client.h"

namespace ebbflow::daemons {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// Instance metadata (IMDSv2): a session token, then GETs with it.
class Imds {
 public:
  explicit Imds(std::string endpoint) : endpoint_(std::move(endpoint)) {
    if (!endpoint_.empty() && endpoint_.back() != '/') endpoint_ += '/';
  }
  Result<std::string> get(const std::string& path) {
    if (token_.empty()) {
      aws::HttpRequest put{"PUT", endpoint_ + "latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, ""};
      auto r = http_.send(put);
      if (!r.ok()) return r.error();
      if (r->status != 200) return make_error(ErrorKind::kRetry, "ImdsError", "token: HTTP " + std::to_string(r->status));
      token_ = r->body;
    }
    aws::HttpRequest req{"GET", endpoint_ + "latest/" + path, {{"X-aws-ec2-metadata-token", token_}}, ""};
    auto r = http_.send(req);
    if (!r.ok()) return r.error();
    if (r->status == 401) token_.clear();
    if (r->status == 404) return make_error(ErrorKind::kNotFound, "NotFound", path);
    if (r->status != 200) return make_error(ErrorKind::kRetry, "ImdsError", path + ": HTTP " + std::to_string(r->status));
    return r->body;
  }

 private:
  std::string endpoint_;
  std::string token_;
  aws::CurlHttpClient http_{aws::HttpTimeouts{std::chrono::milliseconds(2000), std::chrono::milliseconds(5000)}};
};

pid_t start_slurmd(const ClusterContext& ctx, const std::string& node) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.paths.slurmd_spool_root() + "/" + node, ec);
  pid_t pid = fork();
  if (pid == 0) {
    // -D: stay in the foreground, inside this instance's process group; -b: report a fresh
    // boot, or slurmctld keeps a node that was powered up waiting (see docs/architecture.md).
    std::string conf = ctx.paths.slurm_conf();
    setenv("SLURM_CONF", conf.c_str(), 1);
    execl("/usr/sbin/slurmd", "slurmd", "-D", "-b", "-N", node.c_str(), "-f", conf.c_str(), (char*)nullptr);
    _exit(127);
  }
  return pid;
}

bool self_is_down(slurm::SlurmClient& slurm, const std::string& node) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto nodes = slurm.show_nodes({node});
    if (nodes.ok()) {
      for (const auto& n : *nodes)
        if (n.name == node) return n.is_down() || n.is_power();
      return true;  // Slurm does not know this node any more
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  return true;  // Slurm unreachable: counts as down (reference section 7)
}

}  // namespace

int run_compute_node(const std::string& cluster_root) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  auto ctx = load_cluster(cluster_root);
  if (!ctx.ok()) {
    std::fprintf(stderr, "compute-node: %s\n", ctx.error().describe().c_str());
    return 1;
  }
  if (!ctx->config.queue_mode()) return run_traditional_compute_node(*ctx);  // Auto Scaling group node
  const char* endpoint = std::getenv("EBBFLOW_IMDS_ENDPOINT");
  if (!endpoint) endpoint = std::getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  Imds imds(endpoint ? endpoint : "http://169.254.169.254/");
  std::string instance_id, node;
  const auto began = std::chrono::system_clock::now();
  auto boot_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ctx->config.slurm.resume_timeout_s);
  while (!g_stop && std::chrono::steady_clock::now() < boot_deadline) {
    if (instance_id.empty()) {
      auto id = imds.get("meta-data/instance-id");
      if (id.ok()) instance_id = *id;
    }
    auto tag = imds.get("meta-data/tags/instance/ebbflow:node-name");
    if (tag.ok() && !tag->empty()) {
      node = *tag;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (node.empty()) {
    std::fprintf(stderr, "compute-node %s: never learned its node name; shutting down\n", instance_id.c_str());
    return 1;
  }
  std::printf("compute-node %s: I am Slurm node %s\n", instance_id.c_str(), node.c_str());
  std::fflush(stdout);
  (void)write_file_atomic(ctx->paths.run_dir() + "/node-" + instance_id, node + "\n", 0644);
  // slurmctld keeps a powering-up node waiting, silently, while the boot time its slurmd reports
  // (whole seconds, now - uptime) is before the power-up request; a local instance can get here
  // within a second of that request (integration.faults.outage and .clock each saw a dynamic node
  // that never registered). This process starts after the request: 2 s after it, slurmd's boot
  // time is past it. On a real instance this adds at most 2 s to a boot of a minute or more.
  while (!g_stop && std::chrono::system_clock::now() < began + std::chrono::seconds(2))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  pid_t slurmd = start_slurmd(*ctx, node);

  // computemgtd
  EventLog events(ctx->paths.events());
  SubprocessRunner runner;
  slurm::SlurmClient slurm(runner, {"/usr/bin", ctx->paths.slurm_conf()});
  auto steady_seconds = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  HeartbeatWatch heartbeat(steady_seconds());  // staleness on this node's monotonic clock
  auto next_check = std::chrono::steady_clock::now();
  while (!g_stop) {
    int status = 0;
    if (slurmd > 0 && waitpid(slurmd, &status, WNOHANG) == slurmd) {
      std::fprintf(stderr, "compute-node %s: slurmd exited (status %d)\n", node.c_str(), status);
      slurmd = -1;
    }
    if (std::chrono::steady_clock::now() >= next_check) {
      next_check = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1, ctx->config.computemgtd.loop_time_s));
      auto fresh_cfg = config::load_cluster_config_file(ctx->paths.config());
      if (fresh_cfg.config) ctx->config = std::move(*fresh_cfg.config);
      auto hb = read_heartbeat(ctx->paths.heartbeat());
      heartbeat.observe(hb.ok() ? std::optional<int64_t>(*hb) : std::nullopt, steady_seconds());
      const int64_t stale_for = heartbeat.stale_for(steady_seconds());
      const int64_t now = unix_now();
      if (stale_for >= ctx->config.computemgtd.clustermgtd_timeout_s && self_is_down(slurm, node)) {
        events.write({now, "computemgtd", "head-node-lost", "self-terminate",
                      "clustermgtd heartbeat unchanged for " + std::to_string(stale_for) +
                          " s and the node is down in Slurm (or Slurm is unreachable)",
                      {node}, {instance_id}, "ok"});
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (slurmd > 0) {
    kill(slurmd, SIGTERM);
    for (int i = 0; i < 50 && waitpid(slurmd, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(slurmd, SIGKILL);
    waitpid(slurmd, nullptr, 0);
  }
  // Returning ends the instance's main process: the instance shuts down (and is terminated).
  return 0;
}

}  // namespace ebbflow::daemons
