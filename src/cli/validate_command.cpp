// `ebbflow validate -c FILE [--json]`: load a cluster configuration, report every problem with
// its file, line, column and YAML path, and start nothing. Exit 0 when the file is valid, 1
// otherwise, so scripts and CI can gate on it.
#include <iostream>

#include "cli/commands.h"
#include "config/cluster_config.h"
#include "config/config_json.h"

namespace ebbflow::cli {
namespace {

struct ValidateOptions {
  std::string file;
  bool json = false;
};

std::string summary(const config::ClusterConfig& cfg) {
  if (!cfg.queue_mode()) {
    const auto& g = *cfg.auto_scaling_group;
    return "traditional mode, scheduler " + cfg.scheduler + ", Auto Scaling group of " + g.instance_type + " (" +
           std::to_string(g.min_size) + ".." + std::to_string(g.max_size) + " nodes, initially " +
           std::to_string(g.initial_size) + ")";
  }
  size_t crs = 0;
  for (const auto& q : cfg.queues) crs += q.compute_resources.size();
  return std::to_string(cfg.queues.size()) + (cfg.queues.size() == 1 ? " queue, " : " queues, ") +
         std::to_string(crs) + (crs == 1 ? " compute resource, " : " compute resources, ") +
         std::to_string(cfg.static_node_count()) + " static nodes, " + std::to_string(cfg.dynamic_node_count()) +
         " dynamic nodes";
}

void run_validate(const ValidateOptions& opt) {
  config::LoadResult r = config::load_cluster_config_file(opt.file);
  if (opt.json) {
    nlohmann::json out = {{"File", opt.file}, {"Valid", r.config.has_value()}};
    if (r.config) {
      out["Config"] = config::to_json(*r.config);
    } else {
      out["Issues"] = config::to_json(r.issues);
    }
    std::cout << out.dump(2) << "\n";
    if (!r.config) throw CLI::RuntimeError(1);
    return;
  }
  if (r.config) {
    std::cout << opt.file << ": OK (" << summary(*r.config) << ")\n";
    return;
  }
  for (const auto& issue : r.issues) std::cerr << issue.to_string(opt.file) << "\n";
  std::cerr << opt.file << ": " << r.issues.size() << (r.issues.size() == 1 ? " problem" : " problems")
            << " found; nothing was started\n";
  throw CLI::RuntimeError(1);
}

}  // namespace

void register_validate_command(CLI::App& app) {
  auto opt = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand("validate", "Check a cluster configuration file and report every problem");
  cmd->add_option("-c,--config", opt->file, "cluster configuration (YAML)")->required();
  cmd->add_flag("--json", opt->json, "print the parsed configuration (defaults filled in) or the issues as JSON");
  cmd->callback([opt] { run_validate(*opt); });
}

}  // namespace ebbflow::cli
