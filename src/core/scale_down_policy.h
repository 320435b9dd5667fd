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
// - Boot-wait feedback. An idle timer of ScaledownIdletime runs on the same jobs in the
//   caller's BootWaitFeedback (its own timeline, a few minutes behind); the pool is scaled by
//   1 + gain x (our boot waits - the timer's + margin x jobs) so that the share of jobs waiting
//   for a boot stays `feedback_margin` below the timer's: the margin is held by the rule.
// - Learning. Until the caller has recorded one whole history (recorded_since), no idle node is
//   released before the idle timer's ScaledownIdletime: a cold start is never worse than it.
// - Optional (off by default): the nodes running jobs free within `freeup_horizon` by their
//   user's estimate count ahead of the idle nodes in the reuse order.
//
// Pure: the caller passes the idle nodes in reuse order with the time each became idle, the
// arrivals (14 days of them for the periodic cap), optionally the running jobs' estimated ends,
// and `now`; clustermgtd and the simulator call it once per loop (with the settings from
// with_feedback). The window, quantile and limit defaults were tuned on one trace (KTH-SP2) and
// validated on four others; the periodic cap's and the feedback's were chosen looking at all
// five (docs/simulation.md).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <span>
#include <tuple>
#include <unordered_map>
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
  // Boot-wait feedback (on by default). The caller keeps a BootWaitFeedback and reports
  // submits, job starts and job ends to it. The feedback runs an idle timer of
  // `feedback_idle_timer` seconds (ScaledownIdletime) on the same jobs in its head: the nodes a
  // job frees when it ends stay idle that long; a job takes the most recently idle first and
  // waits `feedback_boot_time` for a boot when too few are left; its run time is the one seen
  // here. It compares the jobs that waited for a boot here with those that would have waited
  // under the timer and scales the pool by `pool_scale` (see with_feedback) to hold our boot
  // waits `feedback_margin` (a share of jobs; negative: above) below the model's.
  bool feedback = true;
  double feedback_margin = 0.001;     // 0.1 points of the jobs
  int64_t feedback_idle_timer = 600;
  int64_t feedback_boot_time = 300;
  // The model runs this far behind the present: at least the longest start delay here, so that a
  // job's run time is known before its end in the model (default: 2 boots and a loop).
  int64_t feedback_lag = 660;
  double feedback_gain = 0.002;       // pool_scale = 1 + gain x balance (balance in jobs)
  double feedback_memory = 0;         // > 0: the balance forgets over this many jobs (0: a plain sum)
  // The model's launches fail at the rate the caller reports (feedback_on_launch), as an idle
  // timer's would: a job whose launch fails is retried `feedback_retry_delay` later (Slurm
  // requeues it; one clustermgtd loop) and the nodes that did launch join the model's idle nodes
  // after a boot. false: the model's launches never fail.
  bool feedback_model_failures = true;
  int64_t feedback_retry_delay = 60;
  double feedback_min_scale = 0.25;
  double feedback_max_scale = 4;
  // Multiplies the pool (after the periodic cap); set by with_feedback.
  double pool_scale = 1;
  // Set by the caller: when it began recording submits. Until it has recorded one whole
  // `history`, the windows that size the pool are partly blind (a cluster that has just started,
  // or just turned the rule on, sees only the jobs still queued), so every idle node may idle at
  // least `feedback_idle_timer` (ScaledownIdletime): while it learns, the rule is never quicker
  // than the idle timer. The default: the whole history is known.
  int64_t recorded_since = std::numeric_limits<int64_t>::min();
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

// Size of the warm pool at `now` (see the header comment), times settings.pool_scale.
int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings);

// Longest idle time of the idle node at `rank` (reuse order) when the pool holds `pool` nodes.
// (choose_nodes_to_release raises it to feedback_idle_timer while the rule is still learning.)
int64_t idle_limit_at_rank(size_t rank, size_t pool, const ScaleDownSettings& settings);

// Whether the caller has recorded less than one whole history at `now` (see recorded_since).
bool still_learning(int64_t now, const ScaleDownSettings& settings);

// Nodes the running jobs free in [now, now + freeup_horizon] by their estimates (0 when the
// horizon is 0). A job past its estimate (end < now) is not counted: when it ends is unknown.
int64_t nodes_freed_soon(std::span<const ExpectedFreeUp> running, int64_t now, const ScaleDownSettings& settings);

// Indices into `idle_since` (idle nodes in reuse order) of the nodes to power down now.
// `running` (any order) lists the running jobs' estimated ends; with freeup_horizon > 0 the idle
// node at index i is judged at rank i + nodes_freed_soon(...).
std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings,
                                            std::span<const ExpectedFreeUp> running = {});

// What the boot-wait feedback remembers between loops. Report events in time order.
struct BootWaitFeedback {
  // The idle-timer model runs on its own timeline (a job that waits for a boot there starts
  // later and ends later than here), `feedback_lag` seconds behind the present, so that a job's
  // end is known before the model needs it.
  struct ModelJob {
    int64_t submit = 0;
    int nodes = 0;
    int64_t delay = -1;  // start delay in the model (from its submit); -1 before it is decided
    int64_t run = -1;    // run time, once the job has ended here
    int attempts = 0;    // launches that failed for it in the model
  };
  std::unordered_map<int64_t, ModelJob> model_jobs;  // by job id, until the model's job ends
  // Model events (time, 0 = job end / 1 = submit or retry / 2 = nodes of a failed launch join
  // the idle ones, with the count in place of the job id), earliest first; ends first at a second.
  std::priority_queue<std::tuple<int64_t, int, int64_t>, std::vector<std::tuple<int64_t, int, int64_t>>, std::greater<>>
      model_events;
  std::map<int64_t, int64_t> model_idle;  // the model's idle nodes by the time they became idle
  double balance = 0;  // sum of (our boot wait - the model's + margin) per job (forgetting if memory > 0)
  int64_t jobs = 0, boot_waits = 0, model_boot_waits = 0;
  int64_t launched_nodes = 0, failed_nodes = 0;  // node launches seen here, and how many failed
};

// `nodes` node launches were tried here and `failed` of them failed: the model's failure rate.
void feedback_on_launch(BootWaitFeedback& fb, int64_t nodes, int64_t failed, const ScaleDownSettings& settings);

// Job `id` asking for `nodes` was submitted at `now`. In the model (when it gets there) the job
// takes the most recently idle nodes (those idle feedback_idle_timer seconds or more have been
// released) and waits feedback_boot_time for a boot when too few are left.
void feedback_on_submit(BootWaitFeedback& fb, int64_t now, int64_t id, int nodes, const ScaleDownSettings& settings);
// A job started at `now`; `waited_for_boot` when one of its nodes had to boot.
void feedback_on_start(BootWaitFeedback& fb, int64_t now, bool waited_for_boot, const ScaleDownSettings& settings);
// Job `id` ended at `now` after running `run` seconds; in the model it ends at its model start + run.
void feedback_on_end(BootWaitFeedback& fb, int64_t now, int64_t id, int64_t run, const ScaleDownSettings& settings);
// Job `id` left the queue at `now` without ever starting here (cancelled while pending): the
// model forgets it if it has not reached its submit yet, else ends it there at once.
void feedback_on_cancel(BootWaitFeedback& fb, int64_t now, int64_t id, const ScaleDownSettings& settings);
// Runs the model up to now - feedback_lag (the hooks above call it).
void feedback_advance(BootWaitFeedback& fb, int64_t now, const ScaleDownSettings& settings);
// The settings with `pool_scale` set from the feedback (unchanged when the feedback is off).
ScaleDownSettings with_feedback(const ScaleDownSettings& settings, const BootWaitFeedback& fb);

}  // namespace ebbflow::core
