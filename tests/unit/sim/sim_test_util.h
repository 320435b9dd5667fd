// Building small hand-made traces and settings for the simulator tests.
#pragma once

#include <vector>

#include "sim/simulator.h"

namespace ebbflow::sim::testing {

struct J {
  int64_t submit, run;
  int procs;
  int64_t requested = 0;  // 0: the run time
};

inline Trace make_trace(const std::vector<J>& jobs) {
  Trace t;
  t.name = "hand-made";
  int64_t id = 1;
  for (const auto& j : jobs) t.jobs.push_back({id++, j.submit, j.run, j.procs, j.requested > 0 ? j.requested : j.run});
  return t;
}

// One core per node, 300 s boots, MaxCount 8, no plots.
inline SimSettings small_settings() {
  SimSettings s;
  s.cores_per_node = 1;
  s.max_nodes = 8;
  s.series_points = 0;
  s.cloud.boot_time_s = 300;
  s.ebbflow.idle_limit = s.scaledown_idletime_s;
  s.ebbflow_cold_start = false;  // the rule itself; Policy.EbbflowKeepsIdleNodesTheIdleTimeWhileItLearns tests its first hour
  return s;
}

inline double billed_seconds(const PolicyResult& r) { return r.billed_node_hours * 3600.0; }

}  // namespace ebbflow::sim::testing
