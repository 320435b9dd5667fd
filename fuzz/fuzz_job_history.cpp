// Fuzzes the warm pool's job history (daemons/job_arrivals.h): parse_job_submits (clustermgtd's
// "squeue -o %A,%V,%D,%T,%S" lines), record_jobs (submits, starts and ends into the boot-wait
// feedback) and the saved history's JSON (arrival_history_from_json reads what the state
// database holds, which may be damaged).
//
// Properties: a parse failure names the line; parsed jobs have an id above 0, 0..1e8 nodes and a
// state; recording the same read twice, later, leaves every listed job tracked once and no
// unlisted job tracked; the history survives a save and a reload unchanged; a saved history
// read from fuzz bytes either loads (and then saves and reloads to the same text) or is refused.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "daemons/job_arrivals.h"
#include "fuzz_check.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = daemons::arrival_history_from_json(text);
  if (loaded.ok()) {
    const std::string once = daemons::arrival_history_to_json(*loaded);
    auto again = daemons::arrival_history_from_json(once);
    FUZZ_CHECK(again.ok(), "a saved history does not reload: " + once);
    FUZZ_CHECK(daemons::arrival_history_to_json(*again) == once, "reloading changed the history: " + once);
  } else {
    FUZZ_CHECK(!loaded.error().message.empty(), "refused without a message");
  }

  auto jobs = daemons::parse_job_submits(text);
  if (!jobs.ok()) {
    FUZZ_CHECK(jobs.error().message.find("squeue line ") != std::string::npos, "no line in: " + jobs.error().message);
    return 0;
  }
  std::set<int64_t> ids;
  for (const auto& j : *jobs) {
    FUZZ_CHECK(j.job_id > 0 && j.nodes >= 0 && j.nodes <= 100'000'000 && !j.state.empty(), "bad job accepted");
    ids.insert(j.job_id);
  }
  core::ScaleDownSettings rule;
  daemons::ArrivalHistory h;
  int64_t now = 1'796'457'600;
  for (int read = 0; read < 2; ++read, now += 60) daemons::record_jobs(h, *jobs, now, rule);
  for (const auto& [id, start] : h.live_job_starts) FUZZ_CHECK(ids.count(id), "a job squeue did not list is tracked");
  FUZZ_CHECK(h.feedback.boot_waits <= static_cast<int64_t>(ids.size()), "more boot waits than jobs");
  const std::string saved = daemons::arrival_history_to_json(h);
  auto back = daemons::arrival_history_from_json(saved);
  FUZZ_CHECK(back.ok() && daemons::arrival_history_to_json(*back) == saved, "the history did not survive a reload:\n" + saved + "\n" + (back.ok() ? daemons::arrival_history_to_json(*back) : back.error().message));
  daemons::record_jobs(h, {}, now + 100'000, rule);  // every job ends: nothing stays tracked
  FUZZ_CHECK(h.live_job_starts.empty(), "a job stayed tracked after squeue stopped listing it");
  return 0;
}
