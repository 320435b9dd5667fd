// The job history the warm-pool release rule needs (ScaledownPolicy: warm-pool): the submits it
// sizes its pool from, and the starts and ends its boot-wait feedback compares with an idle timer.
// clustermgtd reads `squeue` every loop. A job is new when its id is above the largest recorded
// (Slurm's job ids only grow): its submit is recorded once. A job seen in CONFIGURING (its nodes
// are booting) waited for a boot; a job seen started is reported once, with its start time; a job
// gone from squeue has ended (run time: from its start to the read that no longer lists it, so
// up to one loop long) or, if it never started, was cancelled. The history is kept in the state
// database (key "job_arrivals") for the rule's look-back (14 days and an hour by default) and
// across restarts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/scale_down_policy.h"
#include "util/result.h"

namespace ebbflow::daemons {

// The arguments of the squeue call whose output parse_job_submits reads: every job of every
// partition that is pending, running or completing, one line each,
// "JOBID,SUBMIT_TIME,NODES,STATE,START_TIME" (an array's pending tasks are one line).
std::vector<std::string> job_submits_squeue_args();

struct JobSubmit {
  int64_t job_id = 0;
  int64_t submit_time = 0;  // Unix seconds (Slurm prints UTC: ebbflow runs it with TZ=UTC)
  int nodes = 0;
  std::string state;        // squeue's %T: PENDING, CONFIGURING, RUNNING, ... (empty: pending)
  int64_t start_time = 0;   // Unix seconds once started; 0 for N/A (and ignored while pending)
};

// kInvalidInput naming the line for anything else than
// "N,YYYY-MM-DDTHH:MM:SS,N,STATE,YYYY-MM-DDTHH:MM:SS|N/A|Unknown|None".
Result<std::vector<JobSubmit>> parse_job_submits(const std::string& squeue_output);

// Whether squeue's state means the job has not started (PENDING, REQUEUED, the holds).
bool is_pending_state(const std::string& state);

struct ArrivalHistory {
  int64_t max_job_id = 0;             // largest job id recorded
  int64_t recorded_since = 0;         // the first read (0: none yet); the rule learns for an hour
  std::vector<core::Arrival> arrivals;  // time order
  // For the boot-wait feedback: the jobs squeue listed at the last read, by id, with their start
  // (-1 before it was seen), and the feedback's own state (its idle-timer model and balance).
  std::map<int64_t, int64_t> live_job_starts;
  core::BootWaitFeedback feedback;
};

// Appends the jobs above max_job_id (in time order) and drops arrivals older than keep_since.
void record_arrivals(ArrivalHistory& history, const std::vector<JobSubmit>& jobs, int64_t keep_since);

// One squeue read at `now`: records the new jobs' submits (record_arrivals, keeping the rule's
// look-back) and, when settings.feedback is on, reports submits, starts and ends to the feedback.
void record_jobs(ArrivalHistory& history, const std::vector<JobSubmit>& jobs, int64_t now,
                 const core::ScaleDownSettings& settings);

// The node launches counted in the state database so far (every launcher process): the part the
// feedback has not seen yet is reported to it (its model fails launches at that rate).
void record_launches(ArrivalHistory& history, int64_t nodes_launched, int64_t nodes_failed,
                     const core::ScaleDownSettings& settings);

// How far back the rule looks: its periodic cap (periods x period + horizon) or its history.
int64_t arrival_lookback_seconds(const core::ScaleDownSettings& settings);

std::string arrival_history_to_json(const ArrivalHistory& history);
// kInvalidInput when the text is not what arrival_history_to_json wrote.
Result<ArrivalHistory> arrival_history_from_json(const std::string& text);

}  // namespace ebbflow::daemons
