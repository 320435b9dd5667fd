// Reading Standard Workload Format traces (plain or gzip) into the jobs the simulator replays.
//
// Each job keeps what the simulator needs: submit time (field 2), run time (field 4), a processor
// count (field 5, allocated, when positive, else field 8, requested) and the user's time request
// (field 9, the estimate EASY backfill plans with). Jobs with no positive run time or processor
// count cannot be replayed and are counted as skipped, as in ../shared/reference/
// idle-timer-economics.md section 1. A malformed line is an error naming the file and line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow::sim {

struct TraceJob {
  int64_t id = 0;
  int64_t submit = 0;     // seconds from the trace start
  int64_t run = 0;        // > 0
  int procs = 0;          // > 0
  int64_t requested = 0;  // the user's estimate; the run time when the trace has none
};

struct Trace {
  std::string name;               // file name without directories
  std::vector<TraceJob> jobs;     // sorted by submit time, ties in file order
  int64_t skipped = 0;
  int max_procs = 0;              // header MaxProcs, 0 when absent
};

Result<Trace> read_swf_file(const std::string& path);
// `source` names the text in error messages.
Result<Trace> parse_swf(const std::string& text, const std::string& source);

}  // namespace ebbflow::sim
