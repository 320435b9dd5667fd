#include "sim/simulator.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "sim/engine.h"

namespace ebbflow::sim {

int nodes_for(const TraceJob& job, int cores_per_node) {
  cores_per_node = std::max(1, cores_per_node);
  return (job.procs + cores_per_node - 1) / cores_per_node;
}

int zero_wait_peak(const Trace& trace, int cores_per_node) {
  // Ends before starts at the same second, as in the engine.
  std::vector<std::pair<int64_t, int>> deltas;
  deltas.reserve(trace.jobs.size() * 2);
  for (const auto& j : trace.jobs) {
    int n = nodes_for(j, cores_per_node);
    deltas.emplace_back(j.submit, n);
    deltas.emplace_back(j.submit + j.run, -n);
  }
  std::sort(deltas.begin(), deltas.end());
  int cur = 0, peak = 0;
  for (const auto& d : deltas) {
    cur += d.second;
    peak = std::max(peak, cur);
  }
  return peak;
}

namespace {

// Every job starts at submit on nodes that exist only while it runs (per-second billing with the
// minimum per node, no boot).
PolicyResult lower_bound(const Trace& trace, const SimSettings& s) {
  PolicyResult r;
  r.policy = Policy::kLowerBound;
  double billed = 0, busy = 0;
  std::vector<JobOutcome> outcomes;
  outcomes.reserve(trace.jobs.size());
  const int max_nodes = s.max_nodes > 0 ? s.max_nodes : zero_wait_peak(trace, s.cores_per_node);
  for (const auto& j : trace.jobs) {
    int n = nodes_for(j, s.cores_per_node);
    if (n > max_nodes) continue;
    billed += static_cast<double>(n) * static_cast<double>(std::max(j.run, s.cloud.min_billing_s));
    busy += static_cast<double>(n) * static_cast<double>(j.run);
    r.launches += n;
    outcomes.push_back({0, j.run});
  }
  r.terminations = r.launches;
  r.billed_node_hours = billed / 3600;
  r.busy_node_hours = busy / 3600;
  r.idle_node_hours = r.billed_node_hours - r.busy_node_hours;
  r.peak_nodes = zero_wait_peak(trace, s.cores_per_node);
  summarize_waits(std::move(outcomes), r);
  return r;
}

}  // namespace

PolicyResult run_policy(const Trace& trace, Policy policy, const SimSettings& settings, const Progress& progress) {
  auto t0 = std::chrono::steady_clock::now();
  PolicyResult r;
  if (policy == Policy::kLowerBound) {
    r = lower_bound(trace, settings);
  } else {
    Engine engine(trace, policy, settings);
    r = engine.run(progress);
  }
  r.runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void fill_cost_ratios(std::vector<PolicyResult>& results, const Trace& trace, const SimSettings& settings) {
  double lb = 0;
  for (const auto& r : results)
    if (r.policy == Policy::kLowerBound) lb = r.billed_node_hours;
  if (lb <= 0) lb = run_policy(trace, Policy::kLowerBound, settings).billed_node_hours;
  for (auto& r : results) r.cost_ratio = lb > 0 ? r.billed_node_hours / lb : 0;
}

}  // namespace ebbflow::sim
