// Turning per-job waits and billing totals into a PolicyResult (shared by every policy).
#pragma once

#include <vector>

#include "sim/sim_settings.h"
#include "sim/swf_reader.h"

namespace ebbflow::sim {

struct JobOutcome {
  int64_t wait = 0;
  int64_t run = 0;
};

// Fills the wait, slowdown and quantile fields of `out` from the outcomes (any order).
void summarize_waits(std::vector<JobOutcome> outcomes, PolicyResult& out);

// Nearest-rank percentile of sorted values (p in [0, 100]).
double nearest_rank(const std::vector<double>& sorted, double p);

}  // namespace ebbflow::sim
