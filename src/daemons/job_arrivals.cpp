#include "daemons/job_arrivals.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <set>
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

std::vector<std::string> job_submits_squeue_args() { return {"-h", "-a", "-o", "%A,%V,%D,%T,%S"}; }

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
    std::vector<std::string_view> f;
    for (size_t from = 0;;) {
      size_t comma = line.find(',', from);
      f.push_back(line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from));
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    JobSubmit j;
    int64_t nodes = 0;
    auto is_state = [](std::string_view t) {
      return !t.empty() && t.size() <= 32 &&
             t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string_view::npos;
    };
    bool ok = f.size() == 5 && parse_int(f[0], j.job_id) && j.job_id > 0 && parse_slurm_time(f[1], j.submit_time) &&
              parse_int(f[2], nodes) && nodes >= 0 && nodes <= 100'000'000 && is_state(f[3]);
    if (ok && f[4] != "N/A" && f[4] != "Unknown" && f[4] != "None") ok = parse_slurm_time(f[4], j.start_time);
    if (!ok)
      return make_error(ErrorKind::kInvalidInput, "SqueueParse",
                        "squeue line " + std::to_string(line_no) +
                            ": expected JOBID,YYYY-MM-DDTHH:MM:SS,NODES,STATE,START_TIME, got \"" +
                            std::string(line.substr(0, 120)) + "\"");
    j.nodes = static_cast<int>(nodes);
    j.state = std::string(f[3]);
    jobs.push_back(std::move(j));
  }
  return jobs;
}

bool is_pending_state(const std::string& state) {
  return state.empty() || state == "PENDING" || state == "REQUEUED" || state == "REQUEUE_HOLD" ||
         state == "REQUEUE_FED" || state == "RESV_DEL_HOLD" || state == "SPECIAL_EXIT";
}

namespace {

// The jobs with an id above `known_ids` (not recorded yet), in submit order (ties by id).
std::vector<const JobSubmit*> new_jobs(const std::vector<JobSubmit>& jobs, int64_t known_ids) {
  std::vector<const JobSubmit*> fresh;
  for (const auto& j : jobs)
    if (j.job_id > known_ids) fresh.push_back(&j);
  std::sort(fresh.begin(), fresh.end(), [](const JobSubmit* a, const JobSubmit* b) {
    return a->submit_time != b->submit_time ? a->submit_time < b->submit_time : a->job_id < b->job_id;
  });
  return fresh;
}

}  // namespace

void record_arrivals(ArrivalHistory& history, const std::vector<JobSubmit>& jobs, int64_t keep_since) {
  for (const JobSubmit* j : new_jobs(jobs, history.max_job_id)) {
    history.max_job_id = std::max(history.max_job_id, j->job_id);
    history.arrivals.push_back({j->submit_time, j->nodes});
  }
  // Slurm's submit times can be a little out of id order (and the clock can step): keep time order.
  std::stable_sort(history.arrivals.begin(), history.arrivals.end(),
                   [](const core::Arrival& a, const core::Arrival& b) { return a.time < b.time; });
  auto keep = std::lower_bound(history.arrivals.begin(), history.arrivals.end(), keep_since,
                               [](const core::Arrival& a, int64_t t) { return a.time < t; });
  history.arrivals.erase(history.arrivals.begin(), keep);
}

void record_jobs(ArrivalHistory& history, const std::vector<JobSubmit>& jobs, int64_t now,
                 const core::ScaleDownSettings& settings) {
  const int64_t known_ids = history.max_job_id;
  if (history.recorded_since == 0) history.recorded_since = now;
  record_arrivals(history, jobs, now - arrival_lookback_seconds(settings));
  if (!settings.feedback) {
    history.live_job_starts.clear();
    return;
  }
  core::BootWaitFeedback& fb = history.feedback;
  // New jobs, in submit order (the model takes events in time order within its lag).
  for (const JobSubmit* j : new_jobs(jobs, known_ids)) {
    if (history.live_job_starts.count(j->job_id)) continue;  // listed twice in one read
    core::feedback_on_submit(fb, std::min(j->submit_time, now), j->job_id, j->nodes, settings);
    history.live_job_starts[j->job_id] = -1;
  }
  // Starts: once per job, when first seen started; CONFIGURING means its nodes are booting.
  std::set<int64_t> listed;
  for (const auto& j : jobs) {
    auto live = history.live_job_starts.find(j.job_id);
    if (live == history.live_job_starts.end()) continue;  // listed before the history began
    listed.insert(j.job_id);
    if (live->second >= 0 || is_pending_state(j.state)) continue;
    live->second = j.start_time > 0 ? std::min(j.start_time, now) : now;
    core::feedback_on_start(fb, now, j.state == "CONFIGURING", settings);
  }
  // Ends: a job squeue no longer lists has ended (or, never started, was cancelled).
  for (auto it = history.live_job_starts.begin(); it != history.live_job_starts.end();) {
    if (listed.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second >= 0)
      core::feedback_on_end(fb, now, it->first, now - it->second, settings);
    else
      core::feedback_on_cancel(fb, now, it->first, settings);
    it = history.live_job_starts.erase(it);
  }
  core::feedback_advance(fb, now, settings);
}

void record_launches(ArrivalHistory& history, int64_t nodes_launched, int64_t nodes_failed,
                     const core::ScaleDownSettings& settings) {
  core::BootWaitFeedback& fb = history.feedback;
  const int64_t launched = nodes_launched - fb.launched_nodes, failed = nodes_failed - fb.failed_nodes;
  // Counts below what was seen: another database (restored, or removed): start again from it.
  if (launched < 0 || failed < 0) {
    fb.launched_nodes = std::max<int64_t>(0, nodes_launched);
    fb.failed_nodes = std::clamp<int64_t>(nodes_failed, 0, fb.launched_nodes);
    return;
  }
  if (launched > 0 || failed > 0) core::feedback_on_launch(fb, launched, failed, settings);
}

int64_t arrival_lookback_seconds(const core::ScaleDownSettings& s) {
  int64_t periodic = s.periods > 0 ? s.periods * s.period + s.periodic_horizon : 0;
  return std::max({periodic, s.history, s.window}) + s.window;
}

std::string arrival_history_to_json(const ArrivalHistory& h) {
  using nlohmann::json;
  json times = json::array(), nodes = json::array();
  for (const auto& a : h.arrivals) {
    times.push_back(a.time);
    nodes.push_back(a.nodes);
  }
  json live = json::array();
  for (const auto& [id, start] : h.live_job_starts) live.push_back({id, start});
  const core::BootWaitFeedback& fb = h.feedback;
  json model_jobs = json::array(), events = json::array(), idle = json::array();
  std::map<int64_t, core::BootWaitFeedback::ModelJob> by_id(fb.model_jobs.begin(), fb.model_jobs.end());
  for (const auto& [id, m] : by_id)  // in id order: the same text each time
    model_jobs.push_back({id, m.submit, m.nodes, m.delay, m.run, m.attempts});
  auto queue = fb.model_events;  // a copy: a priority queue is read by popping
  for (; !queue.empty(); queue.pop())
    events.push_back({std::get<0>(queue.top()), std::get<1>(queue.top()), std::get<2>(queue.top())});
  for (const auto& [since, count] : fb.model_idle) idle.push_back({since, count});
  json feedback = {{"balance", fb.balance},
                   {"jobs", fb.jobs},
                   {"boot_waits", fb.boot_waits},
                   {"model_boot_waits", fb.model_boot_waits},
                   {"launched_nodes", fb.launched_nodes},
                   {"failed_nodes", fb.failed_nodes},
                   {"model_jobs", model_jobs},
                   {"model_events", events},
                   {"model_idle", idle}};
  return json{{"max_job_id", h.max_job_id}, {"recorded_since", h.recorded_since}, {"times", times}, {"nodes", nodes},
              {"live_job_starts", live},    {"feedback", feedback}}
      .dump();
}

namespace {

// Each element of `j[key]` an array of `width` integers, or `min_width` up to `width` (absent
// key: no rows; short rows are padded with zeros).
bool integer_rows(const nlohmann::json& j, const char* key, size_t width, std::vector<std::vector<int64_t>>& rows,
                  size_t min_width = 0) {
  if (!j.contains(key)) return true;
  if (!j[key].is_array()) return false;
  if (min_width == 0) min_width = width;
  for (const auto& row : j[key]) {
    if (!row.is_array() || row.size() < min_width || row.size() > width) return false;
    std::vector<int64_t> r;
    for (const auto& v : row) {
      if (!v.is_number_integer()) return false;
      r.push_back(v.get<int64_t>());
    }
    r.resize(width, 0);
    rows.push_back(std::move(r));
  }
  return true;
}

}  // namespace

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
  // Absent in histories saved before 2026-12-05: 0, so the next read starts the learning hour
  // (a cautious hour after an upgrade rather than a guess at what the old history covered).
  if (j.contains("recorded_since")) {
    if (!j["recorded_since"].is_number_integer()) return bad("recorded_since is not an integer");
    h.recorded_since = j["recorded_since"].get<int64_t>();
  }
  for (size_t i = 0; i < j["times"].size(); ++i) {
    if (!j["times"][i].is_number_integer() || !j["nodes"][i].is_number_integer()) return bad("entry " + std::to_string(i) + " is not two integers");
    h.arrivals.push_back({j["times"][i].get<int64_t>(), j["nodes"][i].get<int>()});
  }
  // Written before the boot-wait feedback existed: no live jobs, a new feedback.
  std::vector<std::vector<int64_t>> live;
  if (!integer_rows(j, "live_job_starts", 2, live)) return bad("live_job_starts is not [[id, start], ...]");
  for (const auto& r : live) h.live_job_starts[r[0]] = r[1];
  if (j.contains("feedback")) {
    const auto& f = j["feedback"];
    if (!f.is_object() || !f.contains("balance") || !f["balance"].is_number())
      return bad("feedback is not an object with a numeric balance");
    for (const char* key : {"jobs", "boot_waits", "model_boot_waits"})
      if (!f.contains(key) || !f[key].is_number_integer()) return bad(std::string("feedback.") + key + " is not an integer");
    for (const char* key : {"launched_nodes", "failed_nodes"})  // absent in histories saved before 2026-12-05
      if (f.contains(key) && !f[key].is_number_integer()) return bad(std::string("feedback.") + key + " is not an integer");
    std::vector<std::vector<int64_t>> jobs, events, idle;
    if (!integer_rows(f, "model_jobs", 6, jobs, 5) || !integer_rows(f, "model_events", 3, events) ||
        !integer_rows(f, "model_idle", 2, idle))
      return bad("feedback.model_jobs, model_events or model_idle is not rows of integers");
    core::BootWaitFeedback& fb = h.feedback;
    fb.balance = f["balance"].get<double>();
    fb.jobs = f["jobs"].get<int64_t>();
    fb.boot_waits = f["boot_waits"].get<int64_t>();
    fb.model_boot_waits = f["model_boot_waits"].get<int64_t>();
    fb.launched_nodes = f.value("launched_nodes", int64_t{0});
    fb.failed_nodes = f.value("failed_nodes", int64_t{0});
    for (const auto& r : jobs)
      fb.model_jobs[r[0]] =
          core::BootWaitFeedback::ModelJob{r[1], static_cast<int>(r[2]), r[3], r[4], static_cast<int>(r[5])};
    for (const auto& r : events) fb.model_events.emplace(r[0], static_cast<int>(r[1]), r[2]);
    for (const auto& r : idle) fb.model_idle[r[0]] = r[1];
  }
  return h;
}

}  // namespace ebbflow::daemons
