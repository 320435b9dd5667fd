#include "core/scale_down_policy.h"

#include <algorithm>
#include <cmath>

namespace ebbflow::core {

int warm_pool_size(std::span<const Arrival> arrivals, int64_t now, const ScaleDownSettings& settings) {
  // Binary search for the first arrival inside the window: the caller's log may hold hours.
  auto first = std::upper_bound(arrivals.begin(), arrivals.end(), now - settings.window,
                                [](int64_t t, const Arrival& a) { return t < a.time; });
  int64_t demand = 0;
  for (auto it = first; it != arrivals.end() && it->time <= now; ++it) demand += it->nodes;
  double warm = std::ceil(settings.warm_factor * static_cast<double>(demand));
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
