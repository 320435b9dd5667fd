// ebbflow's idle-node release rule (queue mode): which idle nodes to power down now.
//
// An idle timer treats every idle node alike, so after a large job ends all its nodes idle for the
// full ScaledownIdletime even when nothing is arriving that could use them. This rule keeps a warm
// pool sized from the demand observed recently, lets those nodes idle up to `idle_limit`, and
// releases the idle nodes beyond the pool after `surplus_idle` seconds.
//
// The pool size: the time before `now` is cut into windows of `window` seconds ending at `now`;
// each window has a demand (demand_per_window). Over the last `history` seconds (at least one
// window) the pool is the `quantile` of those per-window demands (nearest rank), times
// `warm_factor`. With history = window and quantile 1 the pool is "the nodes requested in the
// last window" (the first version of this rule).
//
// Pure: the caller passes the idle nodes in the order the scheduler reuses them (first = reused
// first), the recent arrivals and `now`; clustermgtd and the simulator call it once per loop.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebbflow::core {

struct ScaleDownSettings {
  int64_t idle_limit = 1200;   // a warm node's longest idle time (ebbflow: 2 x ScaledownIdletime x 60)
  int64_t surplus_idle = 60;   // idle time of a node beyond the warm pool
  int64_t window = 1200;       // length of one demand window
  int64_t history = 1200;      // how far back windows are looked at (rounded down to whole windows, >= 1)
  double quantile = 1.0;       // which per-window demand sizes the pool (1 = the largest window)
  double warm_factor = 1.0;    // warm pool = ceil(factor x that demand)
  int min_warm = 0;            // floor of the warm pool
  bool net_of_job_ends = false;  // a window's demand is net of the nodes job ends free (see demand_per_window)
};

// A change of the demand for nodes: a job submitted (nodes > 0, the nodes it asked for) or a job
// that ended (nodes < 0, the nodes it freed).
struct Arrival {
  int64_t time = 0;
  int nodes = 0;
};

// Demand of each window ending at `now`: element k covers (now - (k+1) x window, now - k x window].
// Without `net_of_job_ends` it is the nodes requested by the jobs submitted in the window (job
// ends are ignored). With it, it is the largest rise of (nodes requested - nodes freed) from the
// window's start to any point in it, taken in time order: a window where a 128-node job ends and
// then one is submitted asks for none, one where the submit comes first asks for 128. `arrivals`
// must be in time order; entries older than the history or later than `now` are ignored, so the
// caller may trim lazily.
std::vector<int64_t> demand_per_window(std::span<const Arrival> arrivals, int64_t now,
                                       const ScaleDownSettings& settings);

// Size of the warm pool at `now` (see the header comment).
int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings);

// Indices into `idle_since` (idle nodes in reuse order) of the nodes to power down now.
std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings);

}  // namespace ebbflow::core
