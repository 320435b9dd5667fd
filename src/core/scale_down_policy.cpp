#include "core/scale_down_policy.h"

#include <algorithm>
#include <cmath>

namespace ebbflow::core {

std::vector<int64_t> demand_per_window(std::span<const Arrival> arrivals, int64_t now,
                                       const ScaleDownSettings& settings) {
  const int64_t w = std::max<int64_t>(1, settings.window);
  const int64_t count = std::max<int64_t>(1, settings.history / w);
  std::vector<int64_t> demand(static_cast<size_t>(count), 0);
  // Binary search for the first arrival inside the history: the caller's log may hold days.
  auto first = std::upper_bound(arrivals.begin(), arrivals.end(), now - count * w,
                                [](int64_t t, const Arrival& a) { return t < a.time; });
  for (auto it = first; it != arrivals.end() && it->time <= now; ++it)
    demand[static_cast<size_t>((now - it->time) / w)] += it->nodes;
  return demand;
}

namespace {

// Nearest-rank quantile of `demand` (not empty) scaled by the warm factor and floored at min_warm.
int pool_from_demand(std::vector<int64_t>& demand, const ScaleDownSettings& settings) {
  const double q = std::clamp(settings.quantile, 0.0, 1.0);
  // Nearest rank: the smallest value with at least q of the windows at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(demand.size())));
  rank = std::clamp<size_t>(rank, 1, demand.size());
  std::nth_element(demand.begin(), demand.begin() + static_cast<long>(rank - 1), demand.end());
  const double sized = static_cast<double>(demand[rank - 1]);
  double warm = std::ceil(settings.warm_factor * sized);
  return std::max(settings.min_warm, static_cast<int>(std::min(warm, 1e9)));
}

}  // namespace

int periodic_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings) {
  if (settings.periods <= 0 || settings.period <= 0 || arrivals.empty()) return -1;
  ScaleDownSettings ahead = settings;
  ahead.history = std::max(settings.periodic_horizon, std::max<int64_t>(1, settings.window));
  std::vector<int64_t> demand;
  for (int k = 1; k <= settings.periods; ++k) {
    const int64_t end = now - k * settings.period + ahead.history;
    if (end < arrivals.front().time) break;  // the whole horizon lies before the first submit
    std::vector<int64_t> part = demand_per_window(arrivals, end, ahead);
    demand.insert(demand.end(), part.begin(), part.end());
  }
  if (demand.empty()) return -1;
  ScaleDownSettings sized = settings;
  sized.quantile = settings.periodic_quantile;
  return pool_from_demand(demand, sized);
}

int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings) {
  std::vector<int64_t> demand = demand_per_window(arrivals, now, settings);
  const int64_t newest = demand.front();
  int pool = pool_from_demand(demand, settings);
  int periodic = periodic_pool_size(arrivals, now, settings);
  if (periodic >= 0) {
    const double floor = std::ceil(settings.periodic_floor_newest * static_cast<double>(newest));
    periodic = std::max(periodic, static_cast<int>(std::min(floor, 1e9)));
    pool = std::min(pool, periodic);
  }
  if (settings.pool_scale != 1)
    pool = static_cast<int>(std::min(std::ceil(settings.pool_scale * static_cast<double>(pool)), 1e9));
  return pool;
}

int64_t idle_limit_at_rank(size_t rank, size_t pool, const ScaleDownSettings& settings) {
  if (rank >= pool) return settings.surplus_idle;
  if (settings.rank_decay <= 0) return settings.idle_limit;
  const double share =
      std::pow(1.0 - static_cast<double>(rank) / static_cast<double>(pool), settings.rank_decay);
  const double span = static_cast<double>(settings.idle_limit - settings.surplus_idle);
  return settings.surplus_idle + static_cast<int64_t>(std::floor(share * span));
}

int64_t nodes_freed_soon(std::span<const ExpectedFreeUp> running, int64_t now, const ScaleDownSettings& settings) {
  if (settings.freeup_horizon <= 0) return 0;
  int64_t freed = 0;
  for (const ExpectedFreeUp& job : running)
    if (job.end >= now && job.end <= now + settings.freeup_horizon) freed += job.nodes;
  return freed;
}

bool still_learning(int64_t now, const ScaleDownSettings& settings) {
  // Written without `now - recorded_since`, which overflows for the default.
  return settings.recorded_since > now - settings.history;
}

std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings,
                                            std::span<const ExpectedFreeUp> running) {
  std::vector<size_t> release;
  if (idle_since.empty()) return release;
  const size_t pool = static_cast<size_t>(warm_pool_size(arrivals, now, settings));
  // Nodes freed soon go to the front of the reuse order and push the idle nodes back.
  const size_t shift = static_cast<size_t>(nodes_freed_soon(running, now, settings));
  const int64_t least = still_learning(now, settings) ? settings.feedback_idle_timer : 0;
  for (size_t i = 0; i < idle_since.size(); ++i) {
    // Nodes reused first are the ones the next arrivals will take: they form the warm pool.
    if (now - idle_since[i] >= std::max(least, idle_limit_at_rank(i + shift, pool, settings))) release.push_back(i);
  }
  return release;
}

// --- boot-wait feedback --------------------------------------------------------------------

namespace {

void forget(BootWaitFeedback& fb, const ScaleDownSettings& settings) {
  if (settings.feedback_memory > 0) fb.balance *= 1.0 - 1.0 / std::max(1.0, settings.feedback_memory);
}

// A number in [0, 1) fixed by the job and the attempt (splitmix64): the model's draws are the
// same on every run and after a restart, and independent of the caller's random numbers.
double model_draw(int64_t id, int attempt) {
  uint64_t z = static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(attempt) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// Whether a launch of `nodes` nodes fails in the model: at least one node fails, each with the
// rate seen here.
bool model_launch_fails(const BootWaitFeedback& fb, int64_t id, int attempt, int64_t nodes,
                        const ScaleDownSettings& settings) {
  if (!settings.feedback_model_failures || fb.failed_nodes <= 0 || fb.launched_nodes <= 0) return false;
  const double p = std::min(1.0, static_cast<double>(fb.failed_nodes) / static_cast<double>(fb.launched_nodes));
  const double fails = 1.0 - std::pow(1.0 - p, static_cast<double>(nodes));
  return model_draw(id, attempt) < fails;
}

}  // namespace

void feedback_advance(BootWaitFeedback& fb, int64_t now, const ScaleDownSettings& settings) {
  if (!settings.feedback) return;
  auto& idle = fb.model_idle;
  while (!fb.model_events.empty() && std::get<0>(fb.model_events.top()) <= now - settings.feedback_lag) {
    const auto [at, kind, id] = fb.model_events.top();
    fb.model_events.pop();
    if (kind == 2) {  // the nodes of a failed launch that did boot: idle, and kept by the timer
      idle[at] += id;
      continue;
    }
    auto job = fb.model_jobs.find(id);
    if (job == fb.model_jobs.end()) continue;
    if (kind == 0) {  // the model's job ends: its nodes go idle
      idle[at] += job->second.nodes;
      fb.model_jobs.erase(job);
      continue;
    }
    // A submit: release what idled the whole timer (a node whose timer fires now is gone), then
    // take the newest idle nodes.
    idle.erase(idle.begin(), idle.lower_bound(at - settings.feedback_idle_timer + 1));
    int64_t need = job->second.nodes;
    while (need > 0 && !idle.empty()) {
      auto newest = std::prev(idle.end());
      const int64_t take = std::min(need, newest->second);
      newest->second -= take;
      need -= take;
      if (newest->second == 0) idle.erase(newest);
    }
    BootWaitFeedback::ModelJob& mj = job->second;
    if (mj.attempts == 0) {  // counted once, at its first try
      forget(fb, settings);
      ++fb.jobs;
      fb.balance += settings.feedback_margin;
      if (need > 0) {
        ++fb.model_boot_waits;
        fb.balance -= 1;
      }
    }
    if (need > 0 && model_launch_fails(fb, id, mj.attempts, need, settings)) {
      // Slurm requeues the job; the nodes it took go back to the idle ones now, the ones that
      // launched once they have booted, and the job tries again a loop later.
      const int64_t taken = mj.nodes - need;
      if (taken > 0) idle[at] += taken;
      if (need > 1) fb.model_events.emplace(at + settings.feedback_boot_time, 2, need - 1);
      ++mj.attempts;
      fb.model_events.emplace(at + std::max<int64_t>(1, settings.feedback_retry_delay), 1, id);
      continue;
    }
    mj.delay = at - mj.submit + (need > 0 ? settings.feedback_boot_time : 0);
    if (mj.run >= 0) fb.model_events.emplace(mj.submit + mj.delay + mj.run, 0, id);
  }
}

void feedback_on_submit(BootWaitFeedback& fb, int64_t now, int64_t id, int nodes, const ScaleDownSettings& settings) {
  if (!settings.feedback) return;
  fb.model_jobs[id] = BootWaitFeedback::ModelJob{now, nodes, -1, -1};
  fb.model_events.emplace(now, 1, id);
  feedback_advance(fb, now, settings);
}

void feedback_on_start(BootWaitFeedback& fb, int64_t now, bool waited_for_boot, const ScaleDownSettings& settings) {
  if (!settings.feedback) return;
  if (waited_for_boot) {
    ++fb.boot_waits;
    fb.balance += 1;
  }
  feedback_advance(fb, now, settings);
}

void feedback_on_end(BootWaitFeedback& fb, int64_t now, int64_t id, int64_t run, const ScaleDownSettings& settings) {
  if (!settings.feedback) return;
  auto job = fb.model_jobs.find(id);
  if (job != fb.model_jobs.end()) {
    job->second.run = std::max<int64_t>(0, run);
    // Already started in the model: its end is known now (when it lies in the model's past, the
    // model takes it at its next step).
    if (job->second.delay >= 0)
      fb.model_events.emplace(job->second.submit + job->second.delay + job->second.run, 0, id);
  }
  feedback_advance(fb, now, settings);
}

void feedback_on_launch(BootWaitFeedback& fb, int64_t nodes, int64_t failed, const ScaleDownSettings& settings) {
  if (!settings.feedback) return;
  fb.launched_nodes += std::max<int64_t>(0, nodes);
  fb.failed_nodes += std::clamp<int64_t>(failed, 0, std::max<int64_t>(0, nodes));
}

void feedback_on_cancel(BootWaitFeedback& fb, int64_t now, int64_t id, const ScaleDownSettings& settings) {
  if (!settings.feedback) return;
  auto job = fb.model_jobs.find(id);
  if (job != fb.model_jobs.end() && job->second.delay < 0) {
    fb.model_jobs.erase(job);  // its submit event finds no job and is skipped
    feedback_advance(fb, now, settings);
    return;
  }
  feedback_on_end(fb, now, id, 0, settings);
}

ScaleDownSettings with_feedback(const ScaleDownSettings& settings, const BootWaitFeedback& fb) {
  ScaleDownSettings out = settings;
  if (settings.feedback)
    out.pool_scale = std::clamp(1.0 + settings.feedback_gain * fb.balance, settings.feedback_min_scale,
                                settings.feedback_max_scale);
  return out;
}

}  // namespace ebbflow::core
