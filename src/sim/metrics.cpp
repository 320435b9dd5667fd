#include "sim/metrics.h"

#include <algorithm>
#include <cmath>

namespace ebbflow::sim {

double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

void summarize_waits(std::vector<JobOutcome> outcomes, PolicyResult& out) {
  out.jobs = static_cast<int64_t>(outcomes.size());
  if (outcomes.empty()) return;
  std::vector<double> waits;
  waits.reserve(outcomes.size());
  double sum = 0, slow = 0;
  for (const auto& o : outcomes) {
    waits.push_back(static_cast<double>(o.wait));
    sum += static_cast<double>(o.wait);
    double run = static_cast<double>(o.run);
    slow += std::max(1.0, (static_cast<double>(o.wait) + run) / std::max(run, 10.0));
  }
  std::sort(waits.begin(), waits.end());
  const double n = static_cast<double>(outcomes.size());
  out.wait_mean_s = sum / n;
  out.bounded_slowdown_mean = slow / n;
  out.wait_p50_s = nearest_rank(waits, 50);
  out.wait_p95_s = nearest_rank(waits, 95);
  out.wait_max_s = waits.back();
  out.wait_quantiles.clear();
  for (int p = 0; p <= 100; ++p) out.wait_quantiles.push_back(nearest_rank(waits, p));
}

}  // namespace ebbflow::sim
