// ebbflow's idle-node release rule (queue mode): which idle nodes to power down now.
//
// An idle timer treats every idle node alike, so after a large job ends all its nodes idle for the
// full ScaledownIdletime even when nothing is arriving that could use them. This rule keeps a warm
// pool sized from the demand observed recently and releases the idle nodes beyond it quickly:
//
// - Pool size. The last `history` seconds are cut into windows of `window` seconds ending at
//   `now`; a window's demand is the nodes requested by the jobs submitted in it. The pool is the
//   `quantile` of those per-window demands (nearest rank), times `warm_factor` (at least
//   `min_warm`). A quantile rather than the last window's sum keeps one large job, or one busy
//   window, from making the pool large (defaults: 6 windows of 10 min, the second largest).
// - Idle limits by rank. Idle nodes are ranked in the order the scheduler reuses them (rank 0 is
//   taken first). A node of rank r < pool may idle up to
//       surplus_idle + (idle_limit - surplus_idle) x (1 - r / pool) ^ rank_decay
//   (rank_decay 0: idle_limit for the whole pool): the nodes the next arrivals reach first are
//   kept longest, the ones they reach last little longer than the surplus. A node beyond the pool
//   may idle `surplus_idle`.
// - Periodic cap. The pool is at most the largest per-window demand in the hour that followed
//   this time of day on each of the last 14 days, and at least (for the cap) the newest window's
//   demand: a quiet evening shrinks the pool an hour earlier unless jobs are arriving now.
// - Optional (off by default): the nodes running jobs free within `freeup_horizon` by their
//   user's estimate count ahead of the idle nodes in the reuse order.
//
// Pure: the caller passes the idle nodes in reuse order with the time each became idle, the
// arrivals (14 days of them for the periodic cap), optionally the running jobs' estimated ends,
// and `now`; clustermgtd and the simulator call it once per loop. The window, quantile and limit
// defaults were tuned on one trace (KTH-SP2) and validated on four others; the periodic cap's
// were chosen looking at all five (docs/simulation.md).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebbflow::core {

struct ScaleDownSettings {
  int64_t idle_limit = 2400;   // longest idle time, of the pool's first node (ebbflow: 4 x ScaledownIdletime x 60)
  int64_t surplus_idle = 0;    // idle time of a node beyond the warm pool (0: released at the next loop)
  int64_t window = 600;        // length of one demand window
  int64_t history = 3600;      // how far back windows are looked at (whole windows, at least one)
  double quantile = 0.7;       // which per-window demand sizes the pool (1 = the largest window)
  double warm_factor = 1.0;    // warm pool = ceil(factor x that demand)
  int min_warm = 0;            // floor of the warm pool
  double rank_decay = 1.0;     // how fast the idle limit falls with rank in the pool (0 = flat)
  // Nodes that the running jobs free, by their users' estimates, within this many seconds of
  // `now` will be reused before the idle nodes (most recently idle first), so each idle node is
  // judged at its rank after those free-ups (0 = off: the free-ups are not looked at).
  int64_t freeup_horizon = 0;
  // Periodic demand: when `periods` > 0, the pool is also capped by the `periodic_quantile` of
  // the per-window demand over the `periodic_horizon` seconds that FOLLOWED the present time of
  // day in each of the last `periods` periods of `period` seconds (default: the largest window of
  // the next hour on each of the last 14 days). Demand falls off at about the same hours every
  // day; the recent windows see the fall only an hour late. 0 = off. The caller must then keep
  // `periods` x `period` seconds of arrivals.
  int periods = 14;
  int64_t period = 86400;
  int64_t periodic_horizon = 3600;
  double periodic_quantile = 1.0;  // which of those per-window demands caps the pool
  // The cap never goes below the newest window's demand times this (0: no floor): demand that is
  // arriving now overrides what the past days predict.
  double periodic_floor_newest = 1.0;
  // Break-even pool (off by default: reuse_horizon 0). Instead of the window quantile, the pool
  // is learnt from how many idle nodes the past arrivals took within one boot time: for each
  // start s every `reuse_step` seconds over the last `reuse_history` seconds, the excursion is
  // the largest (nodes requested - nodes freed) over the prefixes of (s, s + reuse_horizon]. The
  // idle nodes form a stack (the most recently idle is reused first), so the node at rank r
  // would have been reused within the horizon from s exactly when that excursion exceeds r; the
  // share of starts where it does is the node's reuse probability p_r. Keeping the node for one
  // more horizon costs `reuse_horizon` idle node-seconds; releasing it costs, with probability
  // p_r, a boot wait worth W node-seconds; keep it while p_r x W >= reuse_horizon, i.e. while
  // p_r >= reuse_threshold (= horizon / W). p_r falls with rank, so the kept ranks form a pool;
  // the idle limits within it follow idle_limit and rank_decay as before, and the periodic cap
  // still applies.
  int64_t reuse_horizon = 0;
  int64_t reuse_history = 3600;
  int64_t reuse_step = 60;
  double reuse_threshold = 0.5;
  // Ski-rental variant of the break-even test (used when > 0): what a boot costs, in node-seconds
  // (the boot billed plus a weight for the job's wait). From each past start the node at rank r
  // is first reused at T_r (the first prefix whose excursion exceeds r; never when past the
  // horizon). Keep rank r while keeping it for some tau <= reuse_horizon (in reuse_step steps)
  // costs less than releasing it now: reuse_boot_cost x P(T_r <= tau) > E[min(T_r, tau)].
  double reuse_boot_cost = 0;
};

struct FreedNodes {
  int64_t time = 0;  // when a job ended
  int nodes = 0;     // nodes it left idle
};

struct ExpectedFreeUp {
  int64_t end = 0;  // when the running job ends by its user's estimate (start + estimate)
  int nodes = 0;    // nodes it frees
};

struct Arrival {
  int64_t time = 0;  // submit time
  int nodes = 0;     // nodes the job asked for
};

// Nodes requested in each window ending at `now`: element k covers (now - (k+1) x window,
// now - k x window]. `arrivals` must be in time order; entries older than the history or later
// than `now` are ignored, so the caller may trim lazily.
std::vector<int64_t> demand_per_window(std::span<const Arrival> arrivals, int64_t now,
                                       const ScaleDownSettings& settings);

// The quantile (nearest rank) of the per-window demand over the `periodic_horizon` after `now`
// shifted back by 1..`periods` periods; -1 when periods is 0 or no period lies in the past.
int periodic_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings);

// The break-even excursions (see ScaleDownSettings::reuse_horizon), newest start first: element
// k is for the start now - reuse_horizon - k x reuse_step, over the starts whose horizon ends by
// `now` and begins within reuse_history. Both logs must be in time order; at the same second
// freed nodes count before requests (job ends come before submits).
std::vector<int64_t> reuse_excursions(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed,
                                      int64_t now, const ScaleDownSettings& settings);

// Ranks r = 0, 1, ... kept by the break-even test: the number of ranks whose share of
// excursions above r is at least reuse_threshold.
int break_even_pool_size(std::span<const int64_t> excursions, const ScaleDownSettings& settings);

// For each past start of reuse_excursions (same order), the seconds after the start until the
// node at `rank` was first reused, or reuse_horizon + 1 when it was not within the horizon.
std::vector<int64_t> first_reuse_times(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed,
                                       int64_t now, int64_t rank, const ScaleDownSettings& settings);

// The ski-rental test for one rank (see reuse_boot_cost), given its first_reuse_times.
bool keeping_pays(std::span<const int64_t> reuse_times, const ScaleDownSettings& settings);

// Ranks kept by the ski-rental test: the first rank whose test fails (binary search; the test
// fails for every rank above it, since T_r grows with r).
int ski_rental_pool_size(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed, int64_t now,
                         const ScaleDownSettings& settings);

// Size of the warm pool at `now` (see the header comment). With reuse_horizon > 0 the pool is
// the break-even pool from `arrivals` and `freed` instead of the window quantile.
int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings,
                   std::span<const FreedNodes> freed = {});

// Longest idle time of the idle node at `rank` (reuse order) when the pool holds `pool` nodes.
int64_t idle_limit_at_rank(size_t rank, size_t pool, const ScaleDownSettings& settings);

// Nodes the running jobs free in [now, now + freeup_horizon] by their estimates (0 when the
// horizon is 0). A job past its estimate (end < now) is not counted: when it ends is unknown.
int64_t nodes_freed_soon(std::span<const ExpectedFreeUp> running, int64_t now, const ScaleDownSettings& settings);

// Indices into `idle_since` (idle nodes in reuse order) of the nodes to power down now.
// `running` (any order) lists the running jobs' estimated ends; with freeup_horizon > 0 the idle
// node at index i is judged at rank i + nodes_freed_soon(...).
std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings,
                                            std::span<const ExpectedFreeUp> running = {},
                                            std::span<const FreedNodes> freed = {});

}  // namespace ebbflow::core
