// Slurm's ResumeProgram and SuspendProgram for queue mode (reference sections 8 and 9).
#include "daemons/slurm_programs.h"

#include <cstdio>

#include "core/cluster_manager.h"
#include "core/hostlist.h"
#include "core/launch_plan.h"
#include "daemons/clustermgtd.h"
#include "daemons/launcher.h"

namespace ebbflow::daemons {
namespace {

void mark_down(slurm::SlurmClient& slurm, const std::vector<std::string>& names, const std::string& reason) {
  if (names.empty()) return;
  slurm::NodeUpdate u;
  u.names = names;
  u.state = "down";
  u.reason = reason;
  auto st = slurm.update_nodes(u);
  if (!st.ok()) std::fprintf(stderr, "slurm_resume: could not set nodes down: %s\n", st.error().describe().c_str());
}

}  // namespace

bool heartbeat_fresh(const std::string& path, int64_t now, int64_t timeout) {
  auto hb = read_heartbeat(path);
  return hb.ok() && now - *hb < timeout;
}

int run_slurm_resume(const std::string& cluster_root, const std::string& hostlist) {
  auto ctx = load_cluster(cluster_root);
  if (!ctx.ok()) {
    std::fprintf(stderr, "slurm_resume: %s\n", ctx.error().describe().c_str());
    return 1;
  }
  EventLog events(ctx->paths.events());
  SubprocessRunner runner;
  slurm::SlurmClient slurm(runner, {"/usr/bin", ctx->paths.slurm_conf()});
  const int64_t now = unix_now();
  auto names = core::expand_hostlist(hostlist);
  if (!names.ok()) {
    events.write({now, "slurm-resume", "resume", "parse-hostlist", names.error().describe(), {hostlist}, {}, "error"});
    return 1;
  }
  events.write({now, "slurm-resume", "resume", "resume-request", "Slurm asked to power up nodes", *names, {}, "ok"});
  // Without a live clustermgtd nobody would clean up after us: refuse, as the original does.
  if (!heartbeat_fresh(ctx->paths.heartbeat(), now, ctx->config.computemgtd.clustermgtd_timeout_s)) {
    mark_down(slurm, *names, core::reasons::kResumeFailure);
    events.write({now, "slurm-resume", "resume", "set-nodes-down",
                  "clustermgtd heartbeat is missing or stale: not launching", *names, {}, "error"});
    return 1;
  }
  auto store = store::StateStore::open(ctx->paths.state_db());
  if (!store.ok()) {
    mark_down(slurm, *names, core::reasons::kResumeFailure);
    return 1;
  }
  auto plan = core::plan_launch(*names, queue_specs(ctx->config), ctx->config.clustermgtd.launch_max_batch_size,
                                core::LaunchPurpose::kResume);
  auto ec2 = make_ec2_client(*ctx);
  LaunchOptions opts;
  opts.all_or_nothing = ctx->config.slurm.scaling_strategy == "all-or-nothing";
  LaunchResult result = launch_and_bind(*ctx, *ec2, slurm, *store, events, plan, opts);
  for (const auto& [code, failed] : result.failed) {
    if (code == "StaticNodeNotResumable") {
      events.write({now, "slurm-resume", "resume", "note", "static nodes are launched by clustermgtd, not resume",
                    failed, {}, "ok"});
      continue;
    }
    std::string reason = "(Code:" + code + ")" + core::reasons::kResumeFailure;
    mark_down(slurm, failed, reason);
    events.write({now, "slurm-resume", "resume", "set-nodes-down", reason, failed, {}, "ok"});
  }
  return 0;
}

int run_slurm_suspend(const std::string& cluster_root, const std::string& hostlist) {
  auto ctx = load_cluster(cluster_root);
  if (!ctx.ok()) return 1;
  EventLog events(ctx->paths.events());
  const int64_t now = unix_now();
  auto names = core::expand_hostlist(hostlist);
  std::vector<std::string> nodes = names.ok() ? *names : std::vector<std::string>{hostlist};
  // Suspend is bookkeeping only: clustermgtd terminates the instances of powered-down nodes.
  bool fresh = heartbeat_fresh(ctx->paths.heartbeat(), now, ctx->config.computemgtd.clustermgtd_timeout_s);
  events.write({now, "slurm-suspend", "power-saving", "suspend-request",
                fresh ? "Slurm powers these nodes down; clustermgtd terminates their instances"
                      : "clustermgtd heartbeat is stale: instances may not be terminated until it returns",
                nodes, {}, fresh ? "ok" : "warning"});
  return 0;
}

}  // namespace ebbflow::daemons
