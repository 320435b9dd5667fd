// `ebbflow cluster create|delete|list|status|env|stop|start`.
#include <unistd.h>

#include <climits>
#include <iostream>

#include "cli/commands.h"
#include "daemons/cluster_lifecycle.h"
#include "daemons/cluster_status.h"

namespace ebbflow::cli {
namespace {

std::string self_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "ebbflow";
  buf[n] = 0;
  return buf;
}

void print_progress(const std::string& line) { std::cerr << "==> " << line << std::endl; }

[[noreturn]] void fail(const Error& e) {
  std::cerr << "error: " << e.message << (e.code.empty() ? "" : " [" + e.code + "]") << std::endl;
  throw CLI::RuntimeError(1);
}

}  // namespace

void register_cluster_commands(CLI::App& app) {
  auto* cluster = app.add_subcommand("cluster", "Create, inspect and delete elastic clusters");
  cluster->require_subcommand(1);

  auto* create = cluster->add_subcommand("create", "Create a cluster from a configuration file and start it");
  auto* create_file = new std::string;
  auto* create_name = new std::string;
  create->add_option("-c,--config", *create_file, "cluster configuration (YAML)")->required()->check(CLI::ExistingFile);
  create->add_option("-n,--name", *create_name, "cluster name (default: the file name without extension)");
  create->callback([=] {
    daemons::CreateOptions o{*create_file, *create_name, self_path()};
    auto r = daemons::create_cluster(o, print_progress);
    if (!r.ok()) fail(r.error());
    // The first job to try depends on the scheduler the cluster runs.
    std::string first_job = "sbatch --wrap 'hostname'";
    if (auto ctx = daemons::load_cluster(daemons::cluster_root(*r)); ctx.ok() && ctx->config.scheduler == "sge")
      first_job = "qsub -b y -j y -o /dev/null hostname";
    std::cout << "Cluster " << *r << " is up. Use it with:\n  eval \"$(" << self_path() << " cluster env " << *r
              << ")\"\n  " << first_job << "\n";
  });

  auto* del = cluster->add_subcommand("delete", "Terminate every instance and stop everything the cluster runs");
  auto* del_name = new std::string;
  auto* keep = new bool(false);
  del->add_option("name", *del_name, "cluster name")->required();
  del->add_flag("--keep-files", *keep, "keep the cluster folder (logs, events) after deleting");
  del->callback([=] {
    auto st = daemons::delete_cluster(*del_name, {*keep}, print_progress);
    if (!st.ok()) fail(st.error());
  });

  auto* list = cluster->add_subcommand("list", "List clusters");
  list->callback([] {
    for (const auto& n : daemons::list_clusters()) std::cout << n << "\n";
  });

  auto* status = cluster->add_subcommand("status", "Show queues, nodes, instances and daemons");
  auto* status_name = new std::string;
  auto* as_json = new bool(false);
  status->add_option("name", *status_name, "cluster name")->required();
  status->add_flag("--json", *as_json, "machine-readable output");
  status->callback([=] {
    auto s = daemons::cluster_status(*status_name);
    if (!s.ok()) fail(s.error());
    if (*as_json) std::cout << s->dump(2) << "\n";
    else std::cout << daemons::render_status_table(*s);
  });

  auto* env = cluster->add_subcommand("env", "Print the shell exports for using a cluster (eval them)");
  auto* env_name = new std::string;
  env->add_option("name", *env_name, "cluster name")->required();
  env->callback([=] {
    auto e = daemons::cluster_env(*env_name);
    if (!e.ok()) fail(e.error());
    std::cout << *e;
  });

  for (bool start : {false, true}) {
    auto* sub = cluster->add_subcommand(start ? "start" : "stop",
                                        start ? "Start the compute fleet (and leave protected mode)"
                                              : "Stop the compute fleet: terminate all compute instances");
    auto* n = new std::string;
    sub->add_option("name", *n, "cluster name")->required();
    sub->callback([=] {
      auto st = daemons::request_fleet(*n, start, print_progress);
      if (!st.ok()) fail(st.error());
    });
  }
}

}  // namespace ebbflow::cli
