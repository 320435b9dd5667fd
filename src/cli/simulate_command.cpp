// `ebbflow simulate`: replay an SWF trace under several scaling policies and report cost and
// waits (docs/simulation.md). The cluster config, when given, supplies the instance type (cores
// per node), MaxCount and ScaledownIdletime of its first queue's first compute resource.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "config/cluster_config.h"
#include "sim/html_report.h"
#include "sim/report.h"
#include "sim/simulator.h"

namespace ebbflow::cli {
namespace {

struct SimulateOptions {
  std::string trace, config, json_out, csv_out, report_out;
  std::vector<std::string> policies;
  uint64_t seed = 1;
  int cores = 0;
  int max_nodes = -1;
  double idletime_min = -1;
  int64_t boot_time = -1, boot_jitter = -1;
  double failure_rate = -1;
  std::vector<std::string> ice;
  double warm_factor = -1, warm_window = -1, surplus_idle = -1, warm_idle_limit = -1;
  double warm_history = -1, warm_quantile = -1, freeup_horizon = -1;
  double periods = -1, period = -1, periodic_horizon = -1, periodic_quantile = -1, periodic_floor = -1;
  double rank_decay = -1;
  bool no_feedback = false;
  bool feedback_without_failures = false;
  double feedback_margin = -1, feedback_gain = -1, feedback_memory = -1, feedback_min = -1, feedback_max = -1;
  bool quiet = false;
};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) {
    std::cerr << "ebbflow simulate: cannot write " << path << "\n";
    return false;
  }
  return true;
}

bool apply_config(const std::string& path, sim::SimSettings& s) {
  auto loaded = config::load_cluster_config_file(path);
  if (!loaded.config) {
    for (const auto& issue : loaded.issues) std::cerr << issue.to_string(path) << "\n";
    return false;
  }
  const auto& cfg = *loaded.config;
  std::string type;
  if (cfg.queue_mode() && !cfg.queues.empty() && !cfg.queues[0].compute_resources.empty()) {
    const auto& cr = cfg.queues[0].compute_resources[0];
    type = cr.instance_type;
    s.max_nodes = cr.max_count;
    s.scaledown_idletime_s = static_cast<int64_t>(cfg.slurm.scaledown_idletime_min) * 60;
    s.suspend_timeout_s = cfg.slurm.suspend_timeout_s;
    s.loop_time_s = cfg.clustermgtd.loop_time_s;
    s.launch_batch_size = cfg.clustermgtd.launch_max_batch_size;
  } else if (cfg.auto_scaling_group) {
    type = cfg.auto_scaling_group->instance_type;
    s.max_nodes = cfg.auto_scaling_group->max_size;
    s.scaledown_idletime_s = static_cast<int64_t>(cfg.auto_scaling_group->scaledown_idletime_min) * 60;
  }
  auto info = config::find_instance_type(cfg, type);
  if (!info) {
    std::cerr << path << ": instance type " << type << " is not in the catalog\n";
    return false;
  }
  s.instance_type = info->name;
  s.cores_per_node = info->vcpus;
  return true;
}

int run_simulate(const SimulateOptions& o) {
  sim::SimSettings s;
  if (!o.config.empty() && !apply_config(o.config, s)) return 2;
  if (o.cores > 0) s.cores_per_node = o.cores;
  if (o.max_nodes >= 0) s.max_nodes = o.max_nodes;
  if (o.idletime_min >= 0) s.scaledown_idletime_s = static_cast<int64_t>(std::llround(o.idletime_min * 60));
  if (o.boot_time >= 0) s.cloud.boot_time_s = o.boot_time;
  if (o.boot_jitter >= 0) s.cloud.boot_jitter_s = o.boot_jitter;
  if (o.failure_rate >= 0) s.cloud.launch_failure_rate = o.failure_rate;
  for (const auto& period : o.ice) {
    long long a = 0, b = 0;
    if (std::sscanf(period.c_str(), "%lld:%lld", &a, &b) != 2 || b <= a) {
      std::cerr << "ebbflow simulate: --ice-period wants START:END trace seconds with END > START, got '" << period
                << "'\n";
      return 2;
    }
    s.cloud.ice_periods.emplace_back(a, b);
  }
  s.seed = o.seed;
  // ebbflow's default: the pool's first node may idle four times ScaledownIdletime, the limit
  // falling with rank to the surplus nodes' 0 s (the trade measured in docs/simulation.md).
  s.ebbflow.idle_limit = 4 * s.scaledown_idletime_s;
  if (o.warm_factor >= 0) s.ebbflow.warm_factor = o.warm_factor;
  if (o.warm_window >= 0) s.ebbflow.window = static_cast<int64_t>(o.warm_window);
  if (o.surplus_idle >= 0) s.ebbflow.surplus_idle = static_cast<int64_t>(o.surplus_idle);
  if (o.warm_idle_limit >= 0) s.ebbflow.idle_limit = static_cast<int64_t>(o.warm_idle_limit);
  if (o.rank_decay >= 0) s.ebbflow.rank_decay = o.rank_decay;
  if (o.periods >= 0) s.ebbflow.periods = static_cast<int>(o.periods);
  if (o.period >= 0) s.ebbflow.period = static_cast<int64_t>(o.period);
  if (o.periodic_horizon >= 0) s.ebbflow.periodic_horizon = static_cast<int64_t>(o.periodic_horizon);
  if (o.periodic_quantile >= 0) s.ebbflow.periodic_quantile = o.periodic_quantile;
  if (o.periodic_floor >= 0) s.ebbflow.periodic_floor_newest = o.periodic_floor;
  if (o.freeup_horizon >= 0) s.ebbflow.freeup_horizon = static_cast<int64_t>(o.freeup_horizon);
  s.ebbflow.feedback_idle_timer = s.scaledown_idletime_s;
  s.ebbflow.feedback_boot_time = s.cloud.boot_time_s;
  s.ebbflow.feedback_lag = 2 * (s.cloud.boot_time_s + s.cloud.boot_jitter_s) + s.loop_time_s;
  if (o.no_feedback) s.ebbflow.feedback = false;
  if (o.feedback_without_failures) s.ebbflow.feedback_model_failures = false;
  if (o.feedback_margin >= 0) s.ebbflow.feedback_margin = o.feedback_margin;
  if (o.feedback_gain >= 0) s.ebbflow.feedback_gain = o.feedback_gain;
  if (o.feedback_memory >= 0) s.ebbflow.feedback_memory = o.feedback_memory;
  if (o.feedback_min >= 0) s.ebbflow.feedback_min_scale = o.feedback_min;
  if (o.feedback_max >= 0) s.ebbflow.feedback_max_scale = o.feedback_max;
  if (o.warm_history >= 0) s.ebbflow.history = static_cast<int64_t>(o.warm_history);
  if (o.warm_quantile >= 0) {
    if (o.warm_quantile > 1) {
      std::cerr << "ebbflow simulate: --warm-quantile wants a share in [0, 1], got " << o.warm_quantile << "\n";
      return 2;
    }
    s.ebbflow.quantile = o.warm_quantile;
  }

  std::vector<sim::Policy> policies;
  for (const auto& name : o.policies) {
    auto p = sim::parse_policy(name);
    if (!p) {
      std::cerr << "ebbflow simulate: unknown policy '" << name
                << "' (ebbflow, pcluster3, pcluster2, static, lower-bound)\n";
      return 2;
    }
    policies.push_back(*p);
  }
  if (policies.empty()) policies = sim::all_policies();

  auto trace = sim::read_swf_file(o.trace);
  if (!trace) {
    std::cerr << "ebbflow simulate: " << trace.error().message << "\n";
    return 2;
  }
  if (s.max_nodes <= 0) s.max_nodes = std::max(1, sim::zero_wait_peak(*trace, s.cores_per_node));

  sim::RunReport report;
  report.trace_name = trace->name;
  report.jobs_in_trace = static_cast<int64_t>(trace->jobs.size()) + trace->skipped;
  report.jobs_skipped = trace->skipped;
  report.settings = s;
  const bool show_progress = !o.quiet && isatty(STDERR_FILENO);
  for (sim::Policy p : policies) {
    sim::Progress progress;
    if (show_progress)
      progress = [p](double f) { std::fprintf(stderr, "\r%-12s %5.1f %%", sim::policy_name(p), 100 * f); };
    report.results.push_back(sim::run_policy(*trace, p, s, progress));
    if (show_progress) std::fprintf(stderr, "\r%-12s done in %.2f s\n", sim::policy_name(p), report.results.back().runtime_s);
  }
  sim::fill_cost_ratios(report.results, *trace, s);
  if (!o.report_out.empty()) {
    // Cost against wait for a sweep of ScaledownIdletime, for both queue-mode policies.
    const double lb = sim::run_policy(*trace, sim::Policy::kLowerBound, s).billed_node_hours;
    for (int minutes : {0, 1, 2, 5, 10, 20, 60}) {
      for (sim::Policy p : {sim::Policy::kPcluster3, sim::Policy::kEbbflow}) {
        sim::SimSettings v = s;
        v.series_points = 0;
        v.scaledown_idletime_s = minutes * 60;
        v.ebbflow.idle_limit = 4 * v.scaledown_idletime_s;
        v.ebbflow.feedback_idle_timer = v.scaledown_idletime_s;
        auto r = sim::run_policy(*trace, p, v);
        report.sweep.push_back({p, v.scaledown_idletime_s, r.billed_node_hours / lb, r.wait_mean_s, r.wait_p95_s,
                                r.jobs ? static_cast<double>(r.boot_wait_jobs) / static_cast<double>(r.jobs) : 0});
      }
    }
  }
  std::cout << sim::format_table(report);
  if (!o.json_out.empty() && !write_file(o.json_out, sim::format_json(report))) return 1;
  if (!o.csv_out.empty() && !write_file(o.csv_out, sim::format_csv(report))) return 1;
  if (!o.report_out.empty() && !write_file(o.report_out, sim::format_html(report))) return 1;
  return 0;
}

}  // namespace

void register_simulate_command(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  auto* cmd = app.add_subcommand("simulate", "Replay a job trace (SWF) under scaling policies; report cost and waits");
  cmd->add_option("--trace", o->trace, "Standard Workload Format trace (plain or .gz)")->required();
  cmd->add_option("--config", o->config, "cluster config: instance type, MaxCount, ScaledownIdletime of the first queue");
  cmd->add_option("--policy", o->policies, "ebbflow | pcluster3 | pcluster2 | static | lower-bound (repeatable; default all)");
  cmd->add_option("--seed", o->seed, "random seed (boot jitter, launch failures)");
  cmd->add_option("--json", o->json_out, "write the results as JSON");
  cmd->add_option("--csv", o->csv_out, "write the results as CSV");
  cmd->add_option("--report", o->report_out, "write a self-contained HTML report with plots");
  cmd->add_option("--cores-per-node", o->cores, "processors per node (overrides the instance type)");
  cmd->add_option("--max-nodes", o->max_nodes, "MaxCount (0 = peak demand at zero wait)");
  cmd->add_option("--scaledown-idletime", o->idletime_min, "ScaledownIdletime in minutes (default 10)");
  cmd->add_option("--boot-time", o->boot_time, "mean boot time in seconds (default 300)");
  cmd->add_option("--boot-jitter", o->boot_jitter, "boot time spread: uniform +/- seconds (default 0)");
  cmd->add_option("--launch-failure-rate", o->failure_rate, "share of launches that fail (default 0)");
  cmd->add_option("--ice-period", o->ice, "START:END trace seconds of insufficient capacity (repeatable)");
  cmd->add_option("--warm-factor", o->warm_factor, "ebbflow: warm pool = factor x the quantile of per-window demand (default 1)");
  cmd->add_option("--warm-window", o->warm_window, "ebbflow: length in seconds of one demand window (default 600)");
  cmd->add_option("--warm-history", o->warm_history, "ebbflow: seconds of past windows whose demands size the warm pool (default 3600)");
  cmd->add_option("--warm-quantile", o->warm_quantile, "ebbflow: which per-window demand sizes the warm pool, 0..1 (default 0.7)");
  cmd->add_option("--rank-decay", o->rank_decay, "ebbflow: idle limit falls with pool rank as (1 - rank/pool)^decay (default 1, 0 = flat)");
  cmd->add_option("--freeup-horizon", o->freeup_horizon,
                  "ebbflow: judge idle nodes behind the nodes running jobs free within S seconds by their estimates (default 0: off)");
  cmd->add_option("--periods", o->periods, "ebbflow: cap the pool by the demand that followed this time of day in the last N periods (default 14, 0: off)");
  cmd->add_option("--period", o->period, "ebbflow: length of one period in seconds for --periods (default 86400)");
  cmd->add_option("--periodic-horizon", o->periodic_horizon, "ebbflow: seconds after the time of day whose demand --periods looks at (default 3600)");
  cmd->add_option("--periodic-quantile", o->periodic_quantile, "ebbflow: quantile of the --periods windows that caps the pool (default 1)");
  cmd->add_option("--periodic-floor", o->periodic_floor, "ebbflow: the --periods cap is at least this times the newest window's demand (default 1)");
  cmd->add_option("--surplus-idle", o->surplus_idle, "ebbflow: idle seconds of nodes beyond the warm pool (default 0: the next loop)");
  cmd->add_option("--warm-idle-limit", o->warm_idle_limit, "ebbflow: idle seconds of the warm pool's first node (default 4 x ScaledownIdletime)");
  cmd->add_flag("--no-feedback", o->no_feedback, "ebbflow: no boot-wait feedback (the pool is not scaled)");
  cmd->add_flag("--feedback-without-failures", o->feedback_without_failures,
                "ebbflow: the feedback's idle-timer model never fails a launch (default: at the rate seen)");
  cmd->add_option("--feedback-margin", o->feedback_margin,
                  "ebbflow: hold the share of jobs waiting for a boot this far below an idle timer of ScaledownIdletime (default 0.001)");
  cmd->add_option("--feedback-gain", o->feedback_gain, "ebbflow: pool scale = 1 + gain x the boot-wait balance in jobs (default 0.002)");
  cmd->add_option("--feedback-memory", o->feedback_memory, "ebbflow: jobs over which the boot-wait balance forgets (default 0: never)");
  cmd->add_option("--feedback-min-scale", o->feedback_min, "ebbflow: smallest pool scale of the feedback (default 0.25)");
  cmd->add_option("--feedback-max-scale", o->feedback_max, "ebbflow: largest pool scale of the feedback (default 4)");
  cmd->add_flag("--quiet", o->quiet, "no progress on stderr");
  cmd->callback([o] {
    int rc = run_simulate(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace ebbflow::cli
