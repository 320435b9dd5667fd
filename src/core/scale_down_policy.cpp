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
  if (!settings.net_of_job_ends) {
    for (auto it = first; it != arrivals.end() && it->time <= now; ++it)
      if (it->nodes > 0) demand[static_cast<size_t>((now - it->time) / w)] += it->nodes;
    return demand;
  }
  // Running sum from each window's start; the window's demand is its largest value (>= 0).
  size_t current = demand.size();
  int64_t running = 0;
  for (auto it = first; it != arrivals.end() && it->time <= now; ++it) {
    size_t k = static_cast<size_t>((now - it->time) / w);
    if (k != current) {
      current = k;
      running = 0;
    }
    running += it->nodes;
    demand[k] = std::max(demand[k], running);
  }
  return demand;
}

int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings) {
  std::vector<int64_t> demand = demand_per_window(arrivals, now, settings);
  const double q = std::clamp(settings.quantile, 0.0, 1.0);
  // Nearest rank: the smallest value with at least q of the windows at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(demand.size())));
  rank = std::clamp<size_t>(rank, 1, demand.size());
  std::nth_element(demand.begin(), demand.begin() + static_cast<long>(rank - 1), demand.end());
  const double sized = static_cast<double>(demand[rank - 1]);
  double warm = std::ceil(settings.warm_factor * sized);
  return std::max(settings.min_warm, static_cast<int>(std::min(warm, 1e9)));
}

std::vector<size_t> choose_nodes_to_release(std::span<const int64_t> idle_since, std::span<const Arrival> arrivals,
                                            int64_t now, const ScaleDownSettings& settings) {
  std::vector<size_t> release;
  const size_t warm = static_cast<size_t>(warm_pool_size(arrivals, now, settings));
  for (size_t i = 0; i < idle_since.size(); ++i) {
    // Nodes reused first are the ones the next arrivals will take: they form the warm pool.
    int64_t limit = i < warm ? settings.idle_limit : settings.surplus_idle;
    if (now - idle_since[i] >= limit) release.push_back(i);
  }
  return release;
}

}  // namespace ebbflow::core
