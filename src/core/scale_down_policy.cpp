#include "core/scale_down_policy.h"

#include <algorithm>
#include <cmath>
#include <functional>

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

std::vector<int64_t> reuse_excursions(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed,
                                      int64_t now, const ScaleDownSettings& settings) {
  std::vector<int64_t> out;
  const int64_t h = settings.reuse_horizon;
  const int64_t step = std::max<int64_t>(1, settings.reuse_step);
  if (h <= 0) return out;
  const int64_t count = std::max<int64_t>(1, (settings.reuse_history - h) / step + 1);
  out.reserve(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    const int64_t start = now - h - k * step;  // the excursion over (start, start + h]
    auto a = std::upper_bound(arrivals.begin(), arrivals.end(), start,
                              [](int64_t t, const Arrival& x) { return t < x.time; });
    auto f = std::upper_bound(freed.begin(), freed.end(), start,
                              [](int64_t t, const FreedNodes& x) { return t < x.time; });
    int64_t level = 0, peak = 0;
    while (a != arrivals.end() && a->time <= start + h) {
      if (f != freed.end() && f->time <= a->time) {
        level -= f->nodes;
        ++f;
      } else {
        level += a->nodes;
        ++a;
        peak = std::max(peak, level);
      }
    }
    out.push_back(peak);
  }
  return out;
}

int break_even_pool_size(std::span<const int64_t> excursions, const ScaleDownSettings& settings) {
  if (excursions.empty()) return 0;
  std::vector<int64_t> sorted(excursions.begin(), excursions.end());
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  // Rank r is kept while #{excursion > r} >= threshold x count: the largest such r + 1 is the
  // needed-th largest excursion.
  const double t = std::clamp(settings.reuse_threshold, 0.0, 1.0);
  size_t needed = static_cast<size_t>(std::ceil(t * static_cast<double>(sorted.size()) - 1e-9));
  needed = std::clamp<size_t>(needed, 1, sorted.size());
  return static_cast<int>(std::min<int64_t>(sorted[needed - 1], 1000000000));
}

namespace {

// Walks the requests and frees in (start, start + h] (frees first at the same second) and calls
// visit(offset, level) after each request; stops when visit returns false.
template <class Visit>
void walk_excursion(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed, int64_t start, int64_t h,
                    Visit visit) {
  auto a = std::upper_bound(arrivals.begin(), arrivals.end(), start,
                            [](int64_t t, const Arrival& x) { return t < x.time; });
  auto f = std::upper_bound(freed.begin(), freed.end(), start,
                            [](int64_t t, const FreedNodes& x) { return t < x.time; });
  int64_t level = 0;
  while (a != arrivals.end() && a->time <= start + h) {
    if (f != freed.end() && f->time <= a->time) {
      level -= f->nodes;
      ++f;
    } else {
      level += a->nodes;
      const int64_t at = a->time - start;
      ++a;
      if (!visit(at, level)) return;
    }
  }
}

}  // namespace

std::vector<int64_t> first_reuse_times(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed,
                                       int64_t now, int64_t rank, const ScaleDownSettings& settings) {
  std::vector<int64_t> out;
  const int64_t h = settings.reuse_horizon;
  const int64_t step = std::max<int64_t>(1, settings.reuse_step);
  if (h <= 0) return out;
  const int64_t count = std::max<int64_t>(1, (settings.reuse_history - h) / step + 1);
  for (int64_t k = 0; k < count; ++k) {
    int64_t first = h + 1;
    walk_excursion(arrivals, freed, now - h - k * step, h, [&](int64_t at, int64_t level) {
      if (level > rank) {
        first = at;
        return false;
      }
      return true;
    });
    out.push_back(first);
  }
  return out;
}

bool keeping_pays(std::span<const int64_t> reuse_times, const ScaleDownSettings& settings) {
  if (reuse_times.empty()) return false;
  const int64_t step = std::max<int64_t>(1, settings.reuse_step);
  const double n = static_cast<double>(reuse_times.size());
  for (int64_t tau = step; tau <= settings.reuse_horizon; tau += step) {
    double reused = 0, idle = 0;
    for (int64_t t : reuse_times) {
      reused += t <= tau ? 1 : 0;
      idle += static_cast<double>(std::min(t, tau));
    }
    if (settings.reuse_boot_cost * reused / n > idle / n) return true;
  }
  return false;
}

int ski_rental_pool_size(std::span<const Arrival> arrivals, std::span<const FreedNodes> freed, int64_t now,
                         const ScaleDownSettings& settings) {
  std::vector<int64_t> peaks = reuse_excursions(arrivals, freed, now, settings);
  int64_t hi = 0;  // every rank at or above the largest excursion is never reused: the test fails
  for (int64_t p : peaks) hi = std::max(hi, p);
  int64_t lo = 0;  // invariant: ranks below lo pass
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (keeping_pays(first_reuse_times(arrivals, freed, now, mid, settings), settings))
      lo = mid + 1;
    else
      hi = mid;
  }
  return static_cast<int>(std::min<int64_t>(lo, 1000000000));
}

int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings,
                   std::span<const FreedNodes> freed) {
  std::vector<int64_t> demand = demand_per_window(arrivals, now, settings);
  const int64_t newest = demand.front();
  int pool = 0;
  if (settings.reuse_horizon > 0 && settings.reuse_boot_cost > 0)
    pool = ski_rental_pool_size(arrivals, freed, now, settings);
  else if (settings.reuse_horizon > 0)
    pool = break_even_pool_size(reuse_excursions(arrivals, freed, now, settings), settings);
  else
    pool = pool_from_demand(demand, settings);
  int periodic = periodic_pool_size(arrivals, now, settings);
  if (periodic >= 0) {
    const double floor = std::ceil(settings.periodic_floor_newest * static_cast<double>(newest));
    periodic = std::max(periodic, static_cast<int>(std::min(floor, 1e9)));
    pool = std::min(pool, periodic);
  }
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

std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings,
                                            std::span<const ExpectedFreeUp> running,
                                            std::span<const FreedNodes> freed) {
  std::vector<size_t> release;
  if (idle_since.empty()) return release;
  const size_t pool = static_cast<size_t>(warm_pool_size(arrivals, now, settings, freed));
  // Nodes freed soon go to the front of the reuse order and push the idle nodes back.
  const size_t shift = static_cast<size_t>(nodes_freed_soon(running, now, settings));
  for (size_t i = 0; i < idle_since.size(); ++i) {
    // Nodes reused first are the ones the next arrivals will take: they form the warm pool.
    if (now - idle_since[i] >= idle_limit_at_rank(i + shift, pool, settings)) release.push_back(i);
  }
  return release;
}

}  // namespace ebbflow::core
