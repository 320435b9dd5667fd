// Replaying a trace under one policy: the entry point of `ebbflow simulate`.
//
// run_policy() is deterministic: the same trace, settings and seed give the same result. The
// elastic queue-mode policies (ebbflow, pcluster3) decide through ebbflow's core: power-ups go
// through core::plan_launch and clustermgtd's loop through core::decide_iteration, on a snapshot
// built from the Slurm and cloud models (sim/engine.h). docs/simulation.md describes the models.
#pragma once

#include <functional>

#include "sim/sim_settings.h"
#include "sim/swf_reader.h"

namespace ebbflow::sim {

// Whole nodes a job needs: ceil(procs / cores_per_node), nodes used exclusively.
int nodes_for(const TraceJob& job, int cores_per_node);
// The most nodes in use at once when every job starts at its submit time.
int zero_wait_peak(const Trace& trace, int cores_per_node);

using Progress = std::function<void(double fraction_done)>;

PolicyResult run_policy(const Trace& trace, Policy policy, const SimSettings& settings, const Progress& progress = {});

// Fills cost_ratio of every result from the lower bound's billed node-hours (computed if absent).
void fill_cost_ratios(std::vector<PolicyResult>& results, const Trace& trace, const SimSettings& settings);

}  // namespace ebbflow::sim
