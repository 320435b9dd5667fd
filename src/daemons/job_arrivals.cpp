#include "daemons/job_arrivals.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

namespace ebbflow::daemons {
namespace {

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "2026-12-05T08:00:00" (UTC) -> Unix seconds.
bool parse_slurm_time(std::string_view s, int64_t& out) {
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  int64_t y, mo, d, h, mi, se;
  if (!parse_int(s.substr(0, 4), y) || !parse_int(s.substr(5, 2), mo) || !parse_int(s.substr(8, 2), d) ||
      !parse_int(s.substr(11, 2), h) || !parse_int(s.substr(14, 2), mi) || !parse_int(s.substr(17, 2), se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  std::tm tm{};
  tm.tm_year = static_cast<int>(y) - 1900;
  tm.tm_mon = static_cast<int>(mo) - 1;
  tm.tm_mday = static_cast<int>(d);
  tm.tm_hour = static_cast<int>(h);
  tm.tm_min = static_cast<int>(mi);
  tm.tm_sec = static_cast<int>(se);
  out = static_cast<int64_t>(timegm(&tm));
  return true;
}

}  // namespace

std::vector<std::string> job_submits_squeue_args() { return {"-h", "-a", "-o", "%A,%V,%D"}; }

Result<std::vector<JobSubmit>> parse_job_submits(const std::string& out) {
  std::vector<JobSubmit> jobs;
  size_t line_no = 0;
  for (size_t start = 0; start < out.size();) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string_view line(out.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    size_t a = line.find(','), b = a == std::string_view::npos ? a : line.find(',', a + 1);
    JobSubmit j;
    int64_t nodes = 0;
    if (b == std::string_view::npos || !parse_int(line.substr(0, a), j.job_id) || j.job_id <= 0 ||
        !parse_slurm_time(line.substr(a + 1, b - a - 1), j.submit_time) || !parse_int(line.substr(b + 1), nodes) ||
        nodes < 0 || nodes > 100'000'000)
      return make_error(ErrorKind::kInvalidInput, "SqueueParse",
                        "squeue line " + std::to_string(line_no) + ": expected JOBID,YYYY-MM-DDTHH:MM:SS,NODES, got \"" +
                            std::string(line.substr(0, 120)) + "\"");
    j.nodes = static_cast<int>(nodes);
    jobs.push_back(j);
  }
  return jobs;
}

void record_arrivals(ArrivalHistory& history, const std::vector<JobSubmit>& jobs, int64_t keep_since) {
  std::vector<JobSubmit> fresh;
  for (const auto& j : jobs)
    if (j.job_id > history.max_job_id) fresh.push_back(j);
  std::sort(fresh.begin(), fresh.end(), [](const JobSubmit& a, const JobSubmit& b) {
    return a.submit_time != b.submit_time ? a.submit_time < b.submit_time : a.job_id < b.job_id;
  });
  for (const auto& j : fresh) {
    history.max_job_id = std::max(history.max_job_id, j.job_id);
    history.arrivals.push_back({j.submit_time, j.nodes});
  }
  // Slurm's submit times can be a little out of id order (and the clock can step): keep time order.
  std::stable_sort(history.arrivals.begin(), history.arrivals.end(),
                   [](const core::Arrival& a, const core::Arrival& b) { return a.time < b.time; });
  auto keep = std::lower_bound(history.arrivals.begin(), history.arrivals.end(), keep_since,
                               [](const core::Arrival& a, int64_t t) { return a.time < t; });
  history.arrivals.erase(history.arrivals.begin(), keep);
}

int64_t arrival_lookback_seconds(const core::ScaleDownSettings& s) {
  int64_t periodic = s.periods > 0 ? s.periods * s.period + s.periodic_horizon : 0;
  return std::max({periodic, s.history, s.window}) + s.window;
}

std::string arrival_history_to_json(const ArrivalHistory& h) {
  nlohmann::json times = nlohmann::json::array(), nodes = nlohmann::json::array();
  for (const auto& a : h.arrivals) {
    times.push_back(a.time);
    nodes.push_back(a.nodes);
  }
  return nlohmann::json{{"max_job_id", h.max_job_id}, {"times", times}, {"nodes", nodes}}.dump();
}

Result<ArrivalHistory> arrival_history_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput, "BadArrivalHistory", "job_arrivals: " + why);
  };
  if (!j.is_object() || !j.contains("max_job_id") || !j["max_job_id"].is_number_integer() || !j.contains("times") ||
      !j["times"].is_array() || !j.contains("nodes") || !j["nodes"].is_array() || j["times"].size() != j["nodes"].size())
    return bad("not {max_job_id, times[], nodes[]} of equal lengths");
  ArrivalHistory h;
  h.max_job_id = j["max_job_id"].get<int64_t>();
  for (size_t i = 0; i < j["times"].size(); ++i) {
    if (!j["times"][i].is_number_integer() || !j["nodes"][i].is_number_integer()) return bad("entry " + std::to_string(i) + " is not two integers");
    h.arrivals.push_back({j["times"][i].get<int64_t>(), j["nodes"][i].get<int>()});
  }
  return h;
}

}  // namespace ebbflow::daemons
