// The daemons and Slurm programs, as `ebbflow` subcommands (what systemd units and slurm.conf
// run): clustermgtd, slurm-resume, slurm-suspend, compute-node, plus `plan` (a dry run).
#include <iostream>

#include "cli/commands.h"
#include "core/cluster_manager.h"
#include "daemons/clustermgtd.h"
#include "daemons/slurm_programs.h"

namespace ebbflow::cli {
namespace {

std::string* add_cluster_dir(CLI::App* sub) {
  auto* dir = new std::string;
  sub->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
  return dir;
}

}  // namespace

void register_daemon_commands(CLI::App& app) {
  auto* mgtd = app.add_subcommand("clustermgtd", "Run the queue-mode cluster manager daemon");
  auto* mgtd_dir = add_cluster_dir(mgtd);
  auto* once = new bool(false);
  mgtd->add_flag("--once", *once, "run a single iteration and exit");
  mgtd->callback([=] {
    int rc = daemons::run_clustermgtd_loop(*mgtd_dir, *once);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto* plan = app.add_subcommand("plan", "Dry run: what clustermgtd would do now, and why");
  auto* plan_cluster = new std::string;
  plan->add_option("name", *plan_cluster, "cluster name")->required();
  plan->callback([=] {
    auto ctx = daemons::load_cluster(daemons::cluster_root(*plan_cluster));
    if (!ctx.ok()) {
      std::cerr << "error: " << ctx.error().describe() << "\n";
      throw CLI::RuntimeError(1);
    }
    auto store = store::StateStore::open(ctx->paths.state_db());
    if (!store.ok()) throw CLI::RuntimeError(1);
    auto ec2 = daemons::make_ec2_client(*ctx);
    SubprocessRunner runner;
    slurm::SlurmClient slurm(runner, {"/usr/bin", ctx->paths.slurm_conf()});
    daemons::EventLog events("/dev/null");
    daemons::Clustermgtd mgr(*ctx, *ec2, slurm, *store, events);
    auto report = mgr.run_once(daemons::unix_now(), /*dry_run=*/true);
    if (!report.observed) {
      std::cout << "No plan: " << report.skipped_because << "\n";
      return;
    }
    if (report.plan.actions.empty()) std::cout << "Nothing to do.\n";
    for (const auto& a : report.plan.actions) {
      std::cout << core::to_string(a.kind) << " [" << a.rule << "] " << a.reason;
      for (const auto& n : a.node_names) std::cout << " " << n;
      for (const auto& i : a.instance_ids) std::cout << " " << i;
      if (!a.partition.empty()) std::cout << " partition " << a.partition << " -> " << a.state;
      std::cout << "\n";
    }
    for (const auto& n : report.plan.notes) std::cout << "  note [" << n.rule << "] " << n.node << " " << n.message << "\n";
  });

  for (bool resume : {true, false}) {
    auto* sub = app.add_subcommand(resume ? "slurm-resume" : "slurm-suspend",
                                   resume ? "Slurm ResumeProgram: launch instances for nodes"
                                          : "Slurm SuspendProgram: record nodes powered down");
    auto* dir = add_cluster_dir(sub);
    auto* hosts = new std::string;
    sub->add_option("hostlist", *hosts, "Slurm hostlist expression")->required();
    sub->callback([=] {
      int rc = resume ? daemons::run_slurm_resume(*dir, *hosts) : daemons::run_slurm_suspend(*dir, *hosts);
      if (rc != 0) throw CLI::RuntimeError(rc);
    });
  }

  auto* node = app.add_subcommand("compute-node", "Compute node bootstrap and computemgtd (run by the instance)");
  auto* node_dir = add_cluster_dir(node);
  node->callback([=] {
    int rc = daemons::run_compute_node(*node_dir);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace ebbflow::cli
