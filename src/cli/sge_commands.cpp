// `ebbflow sge-cell ...` and `ebbflow sge-host ...`: a cluster's real SGE cell by hand (and for
// the integration tests). `cluster create`/`delete` and `compute-node` call the same functions
// (daemons/sge/*). Everything here needs root (network namespaces, bind mounts).
//   sge-cell create|start|env|stop --cluster-dir D [--name N]
//   sge-host prepare|wait-admin|run|remove --cluster-dir D --hostname H
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "daemons/sge/exec_host.h"
#include "daemons/sge/sge_cell.h"

namespace ebbflow::cli {
namespace {

[[noreturn]] void fail(const Error& e) {
  std::cerr << "ebbflow sge: " << e.describe() << "\n";
  throw CLI::RuntimeError(1);
}

void print_progress(const std::string& line) { std::cout << line << std::endl; }

daemons::ClusterPaths paths_of(const std::string& dir) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(dir, ec);
  return daemons::ClusterPaths{ec ? dir : abs.lexically_normal().string()};
}

void register_cell(CLI::App& app) {
  auto* cell = app.add_subcommand("sge-cell", "Create, start or stop a cluster folder's SGE cell (root)");
  cell->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>("sge");
  auto* create = cell->add_subcommand("create", "A fresh cell, its namespace and client wrappers (starts nothing)");
  create->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
  create->add_option("--name", *name, "cluster name recorded with the cell");
  create->callback([dir, name] {
    if (auto st = daemons::sge::create_cell(paths_of(*dir), *name, print_progress); !st.ok()) fail(st.error());
  });
  auto* start = cell->add_subcommand("start", "Start sge_qmaster (configures the cell on its first start)");
  start->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
  start->callback([dir] {
    if (auto st = daemons::sge::start_qmaster(paths_of(*dir), print_progress); !st.ok()) fail(st.error());
  });
  auto* env = cell->add_subcommand("env", "Shell exports: the client wrappers first in PATH, SGE_ROOT/SGE_CELL");
  env->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
  env->callback([dir] {
    auto out = daemons::sge::env_exports(paths_of(*dir));
    if (!out.ok()) fail(out.error());
    std::cout << *out;
  });
  auto* stop = cell->add_subcommand("stop", "Stop every SGE daemon of the cell and delete the cell");
  stop->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
  stop->callback([dir] {
    if (auto st = daemons::sge::stop_cell(paths_of(*dir), print_progress); !st.ok()) fail(st.error());
  });
}

void register_host(CLI::App& app) {
  auto* host = app.add_subcommand("sge-host", "Simulated SGE exec hosts of a cluster's cell (root)");
  host->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto hostname = std::make_shared<std::string>();
  auto timeout = std::make_shared<int>(120);
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--cluster-dir", *dir, "the cluster's folder")->required();
    sub->add_option("--hostname", *hostname, "the exec host's name")->required();
  };
  auto* prepare = host->add_subcommand("prepare", "Address, hosts line, network namespace on the cluster bridge");
  add_common(prepare);
  prepare->callback([dir, hostname] {
    auto h = daemons::sge::prepare_exec_host(paths_of(*dir), *hostname);
    if (!h.ok()) fail(h.error());
    std::cout << h->hostname << " " << h->ip << " " << h->netns << std::endl;
  });
  auto* wait = host->add_subcommand("wait-admin", "Wait until the host is an SGE admin host (qconf -ah)");
  add_common(wait);
  wait->add_option("--timeout", *timeout, "seconds");
  wait->callback([dir, hostname, timeout] {
    auto st = daemons::sge::wait_until_admin_host(paths_of(*dir), *hostname, std::chrono::seconds(*timeout));
    if (!st.ok()) fail(st.error());
  });
  auto* run = host->add_subcommand("run", "Wait for admin-host registration, then run sge_execd in the foreground");
  add_common(run);
  run->add_option("--timeout", *timeout, "seconds to wait for the admin-host registration");
  run->callback([dir, hostname, timeout] {
    auto p = paths_of(*dir);
    auto h = daemons::sge::load_exec_host(p, *hostname);
    if (!h.ok()) fail(h.error());
    if (auto st = daemons::sge::wait_until_admin_host(p, *hostname, std::chrono::seconds(*timeout)); !st.ok()) fail(st.error());
    if (auto st = daemons::sge::run_execd(p, *h); !st.ok()) fail(st.error());
  });
  auto* remove = host->add_subcommand("remove", "Kill what runs on the host, delete its namespace and hosts line");
  add_common(remove);
  remove->callback([dir, hostname] {
    if (auto st = daemons::sge::remove_exec_host(paths_of(*dir), *hostname); !st.ok()) fail(st.error());
  });
}

}  // namespace

void register_sge_commands(CLI::App& app) {
  register_cell(app);
  register_host(app);
}

}  // namespace ebbflow::cli
