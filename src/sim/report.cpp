#include "sim/report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace ebbflow::sim {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double share(int64_t part, int64_t whole) { return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0; }

}  // namespace

std::string format_table(const RunReport& r) {
  std::ostringstream out;
  out << "trace " << r.trace_name << ": " << r.jobs_in_trace << " jobs (" << r.jobs_skipped << " skipped), "
      << r.settings.cores_per_node << " cores per node (" << r.settings.instance_type << "), MaxCount "
      << r.settings.max_nodes << ", boot " << r.settings.cloud.boot_time_s << " s, seed " << r.settings.seed << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %14s %12s %7s %9s %8s %8s %9s %8s %9s %9s %9s %8s\n", "policy", "billed node-h",
                "idle node-h", "ratio", "wait mean", "wait p50", "wait p95", "slowdown", "boot-wait", "launches",
                "terminate", "API calls", "time s");
  out << line;
  for (const auto& p : r.results) {
    std::snprintf(line, sizeof line, "%-12s %14.0f %12.0f %7.3f %9.1f %8.0f %8.0f %9.3f %7.1f%% %9lld %9lld %9lld %8.2f\n",
                  policy_name(p.policy), p.billed_node_hours, p.idle_node_hours, p.cost_ratio, p.wait_mean_s, p.wait_p50_s,
                  p.wait_p95_s, p.bounded_slowdown_mean, 100 * share(p.boot_wait_jobs, p.jobs),
                  static_cast<long long>(p.launches), static_cast<long long>(p.terminations),
                  static_cast<long long>(p.api_calls), p.runtime_s);
    out << line;
  }
  return out.str();
}

std::string format_csv(const RunReport& r) {
  std::ostringstream out;
  out << "trace,policy,jobs,billed_node_hours,busy_node_hours,boot_node_hours,idle_node_hours,cost_ratio,wait_mean_s,"
         "wait_p50_s,wait_p95_s,wait_max_s,bounded_slowdown_mean,boot_wait_jobs,launches,terminations,api_calls,"
         "launch_failures,peak_nodes,runtime_s\n";
  for (const auto& p : r.results) {
    out << r.trace_name << ',' << policy_name(p.policy) << ',' << p.jobs << ',' << fmt("%.3f", p.billed_node_hours) << ','
        << fmt("%.3f", p.busy_node_hours) << ',' << fmt("%.3f", p.boot_node_hours) << ','
        << fmt("%.3f", p.idle_node_hours) << ',' << fmt("%.5f", p.cost_ratio) << ',' << fmt("%.2f", p.wait_mean_s) << ','
        << fmt("%.0f", p.wait_p50_s) << ',' << fmt("%.0f", p.wait_p95_s) << ',' << fmt("%.0f", p.wait_max_s) << ','
        << fmt("%.4f", p.bounded_slowdown_mean) << ',' << p.boot_wait_jobs << ',' << p.launches << ','
        << p.terminations << ',' << p.api_calls << ',' << p.launch_failures << ',' << p.peak_nodes << ','
        << fmt("%.3f", p.runtime_s) << '\n';
  }
  return out.str();
}

std::string format_json(const RunReport& r) {
  nlohmann::ordered_json j;
  j["trace"] = r.trace_name;
  j["jobs_in_trace"] = r.jobs_in_trace;
  j["jobs_skipped"] = r.jobs_skipped;
  j["settings"] = {{"instance_type", r.settings.instance_type},
                   {"cores_per_node", r.settings.cores_per_node},
                   {"max_nodes", r.settings.max_nodes},
                   {"scaledown_idletime_s", r.settings.scaledown_idletime_s},
                   {"boot_time_s", r.settings.cloud.boot_time_s},
                   {"boot_jitter_s", r.settings.cloud.boot_jitter_s},
                   {"launch_failure_rate", r.settings.cloud.launch_failure_rate},
                   {"min_billing_s", r.settings.cloud.min_billing_s},
                   {"seed", r.settings.seed}};
  auto& pol = j["policies"] = nlohmann::ordered_json::object();
  for (const auto& p : r.results) {
    pol[policy_name(p.policy)] = {{"jobs", p.jobs},
                                  {"billed_node_hours", p.billed_node_hours},
                                  {"busy_node_hours", p.busy_node_hours},
                                  {"boot_node_hours", p.boot_node_hours},
                                  {"idle_node_hours", p.idle_node_hours},
                                  {"cost_ratio", p.cost_ratio},
                                  {"wait_mean_s", p.wait_mean_s},
                                  {"wait_p50_s", p.wait_p50_s},
                                  {"wait_p95_s", p.wait_p95_s},
                                  {"wait_max_s", p.wait_max_s},
                                  {"bounded_slowdown_mean", p.bounded_slowdown_mean},
                                  {"boot_wait_jobs", p.boot_wait_jobs},
                                  {"launches", p.launches},
                                  {"terminations", p.terminations},
                                  {"api_calls", p.api_calls},
                                  {"launch_failures", p.launch_failures},
                                  {"core_calls", p.core_calls},
                                  {"peak_nodes", p.peak_nodes},
                                  {"runtime_s", p.runtime_s}};
    if (p.model_boot_wait_jobs >= 0)  // ebbflow's feedback: the boot waits of its idle-timer model
      pol[policy_name(p.policy)]["idle_timer_model_boot_wait_jobs"] = p.model_boot_wait_jobs;
  }
  if (!r.sweep.empty()) {
    auto& sw = j["sweep"] = nlohmann::ordered_json::array();
    for (const auto& s : r.sweep)
      sw.push_back({{"policy", policy_name(s.policy)}, {"scaledown_idletime_s", s.idletime_s}, {"cost_ratio", s.cost_ratio},
                    {"wait_mean_s", s.wait_mean_s}, {"wait_p95_s", s.wait_p95_s}, {"boot_wait_share", s.boot_wait_share}});
  }
  return j.dump(2) + "\n";
}

}  // namespace ebbflow::sim
