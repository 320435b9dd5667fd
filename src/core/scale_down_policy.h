// ebbflow's idle-node release rule (queue mode): which idle nodes to power down now.
//
// An idle timer treats every idle node alike, so after a large job ends all its nodes idle for the
// full ScaledownIdletime even when nothing is arriving that could use them. This rule keeps a warm
// pool sized from the demand observed recently (the nodes requested by jobs submitted in the last
// `window` seconds, times `warm_factor`), lets those nodes idle up to `idle_limit`, and releases
// the idle nodes beyond the pool after `surplus_idle` seconds. Pure: the caller passes the idle
// nodes in the order the scheduler reuses them (first = reused first), the recent arrivals and
// `now`; clustermgtd and the simulator call it once per loop.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebbflow::core {

struct ScaleDownSettings {
  int64_t idle_limit = 1200;   // a warm node's longest idle time (ebbflow: 2 x ScaledownIdletime x 60)
  int64_t surplus_idle = 60;   // idle time of a node beyond the warm pool
  int64_t window = 1200;       // how far back arrivals size the warm pool
  double warm_factor = 1.0;    // warm pool = ceil(factor x nodes requested in the window)
  int min_warm = 0;            // floor of the warm pool
};

struct Arrival {
  int64_t time = 0;  // submit time
  int nodes = 0;     // nodes the job asked for
};

// Size of the warm pool at `now` from the arrivals in (now - window, now]. `arrivals` must be in
// time order; older entries are ignored, so the caller may trim lazily.
int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings);

// Indices into `idle_since` (idle nodes in reuse order) of the nodes to power down now.
std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings);

}  // namespace ebbflow::core
