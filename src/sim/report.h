// The results of one `ebbflow simulate` run as a text table, CSV and JSON (the JSON has one
// object per policy under "policies", keyed by policy name).
#pragma once

#include <string>
#include <vector>

#include "sim/sim_settings.h"
#include "sim/swf_reader.h"

namespace ebbflow::sim {

struct SweepPoint {
  Policy policy;
  int64_t idletime_s;
  double cost_ratio;
  double wait_mean_s;
  double wait_p95_s;
  double boot_wait_share;
};

struct RunReport {
  std::string trace_name;
  int64_t jobs_in_trace = 0;
  int64_t jobs_skipped = 0;
  SimSettings settings;
  std::vector<PolicyResult> results;
  std::vector<SweepPoint> sweep;  // optional: cost against wait for several ScaledownIdletime values
};

std::string format_table(const RunReport& report);
std::string format_csv(const RunReport& report);
std::string format_json(const RunReport& report);

}  // namespace ebbflow::sim
