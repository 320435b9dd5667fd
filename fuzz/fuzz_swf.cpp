// Fuzzes the Standard Workload Format reader (sim::parse_swf).
//
// Properties: jobs come out sorted by submit time, each replayable (run > 0, procs > 0,
// submit >= 0, requested > 0), and every job line is either a job or counted as skipped.
// UBSan watches the double -> integer conversions of the numeric fields.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "sim/swf_reader.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = sim::parse_swf(text, "traces/fuzz.swf");
  fuzz::check_result(r, "parse_swf");
  if (!r.ok()) return 0;
  const sim::Trace& t = *r;
  FUZZ_CHECK(t.name == "fuzz.swf", "trace name keeps directories: " + t.name);
  FUZZ_CHECK(std::is_sorted(t.jobs.begin(), t.jobs.end(),
                            [](const sim::TraceJob& a, const sim::TraceJob& b) { return a.submit < b.submit; }),
             "jobs not sorted by submit time");
  for (const auto& j : t.jobs)
    FUZZ_CHECK(j.run > 0 && j.procs > 0 && j.submit >= 0 && j.requested > 0,
               "unreplayable job " + std::to_string(j.id) + " kept");

  // Count job lines the way the format defines them: not blank, not a ';' comment.
  int64_t job_lines = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    size_t q = text.find_first_not_of(" \t\r", pos);
    if (q != std::string::npos && q < eol && text[q] != ';') ++job_lines;
    pos = eol + 1;
  }
  FUZZ_CHECK(static_cast<int64_t>(t.jobs.size()) + t.skipped == job_lines,
             "jobs + skipped != job lines (" + std::to_string(job_lines) + ")");
  return 0;
}
