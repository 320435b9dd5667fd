// Fuzzes the Son of Grid Engine output parsers (scheduler/sge/sge_parse.h): qstat -xml hosts and
// jobs, array-task counting, and the per-host qconf reply reader.
//
// The first line of the input is a comma-separated list of host names (the hosts a qconf call
// was about) and the second picks the qconf operation; the whole input is also parsed as qstat
// XML. Properties: parse failures name what is wrong; slot counts are non-negative; every job a
// Queue-List holds is also in the job list; task_count() >= 1; and parse_qconf_reply puts every
// host asked about in exactly one of succeeded / failed, with one message per failure.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "scheduler/sge/sge_parse.h"

using namespace ebbflow;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void check_job(const sge::SgeJob& j) {
  FUZZ_CHECK(j.slots >= 0, "negative slots for job " + j.number);
  FUZZ_CHECK(j.task_count() >= 1, "task_count < 1 for tasks \"" + j.tasks + "\"");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);

  auto hosts = sge::parse_qstat_hosts(text);
  fuzz::check_result(hosts, "parse_qstat_hosts");
  auto jobs = sge::parse_qstat_jobs(text);
  fuzz::check_result(jobs, "parse_qstat_jobs");
  size_t host_jobs = 0;
  if (hosts.ok()) {
    for (const auto& h : *hosts) {
      FUZZ_CHECK(h.slots_used >= 0 && h.slots_resv >= 0 && h.slots_total >= 0, "negative slots on " + h.name);
      for (const auto& j : h.jobs) check_job(j);
      host_jobs += h.jobs.size();
    }
  }
  if (jobs.ok()) {
    for (const auto& j : *jobs) check_job(j);
    if (hosts.ok()) FUZZ_CHECK(host_jobs <= jobs->size(), "a Queue-List job is missing from the job list");
  }

  size_t nl = text.find('\n');
  std::vector<std::string> asked = split(text.substr(0, nl), ',');
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  if (asked.size() > 16) asked.resize(16);
  std::string rest = nl == std::string::npos ? "" : text.substr(nl + 1);
  auto op = static_cast<sge::QconfHostOp>((rest.empty() ? 0 : static_cast<unsigned char>(rest[0])) % 5);
  sge::QconfOutcome out = sge::parse_qconf_reply(op, asked, rest);
  FUZZ_CHECK(out.succeeded.size() + out.failed.size() == asked.size(), "a host is missing from the qconf outcome");
  FUZZ_CHECK(out.messages.size() == out.failed.size(), "failures and messages differ in number");
  for (const auto& h : out.succeeded)
    FUZZ_CHECK(std::find(out.failed.begin(), out.failed.end(), h) == out.failed.end(), h + " both succeeded and failed");
  return 0;
}
