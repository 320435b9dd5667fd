// The submits the warm-pool release rule sizes its pool from (ScaledownPolicy: warm-pool).
// clustermgtd reads `squeue` every loop and records each job once, by id: Slurm's job ids only
// grow, so a job is new when its id is above the largest recorded. The history is kept in the
// state database (key "job_arrivals") for the rule's look-back (14 days and an hour by default).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/scale_down_policy.h"
#include "util/result.h"

namespace ebbflow::daemons {

// The arguments of the squeue call whose output parse_job_submits reads: every job of every
// partition, one line each, "JOBID,SUBMIT_TIME,NODES" (an array is one line, as pending).
std::vector<std::string> job_submits_squeue_args();

struct JobSubmit {
  int64_t job_id = 0;
  int64_t submit_time = 0;  // Unix seconds (Slurm prints UTC: ebbflow runs it with TZ=UTC)
  int nodes = 0;
};

// kInvalidInput naming the line for anything else than "N,YYYY-MM-DDTHH:MM:SS,N".
Result<std::vector<JobSubmit>> parse_job_submits(const std::string& squeue_output);

struct ArrivalHistory {
  int64_t max_job_id = 0;             // largest job id recorded
  std::vector<core::Arrival> arrivals;  // time order
};

// Appends the jobs above max_job_id (in time order) and drops arrivals older than keep_since.
void record_arrivals(ArrivalHistory& history, const std::vector<JobSubmit>& jobs, int64_t keep_since);

// How far back the rule looks: its periodic cap (periods x period + horizon) or its history.
int64_t arrival_lookback_seconds(const core::ScaleDownSettings& settings);

std::string arrival_history_to_json(const ArrivalHistory& history);
// kInvalidInput when the text is not what arrival_history_to_json wrote.
Result<ArrivalHistory> arrival_history_from_json(const std::string& text);

}  // namespace ebbflow::daemons
