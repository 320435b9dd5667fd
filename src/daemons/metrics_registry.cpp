// DaemonMetrics: counters and histograms of a daemon, their JSON form and Prometheus text.
#include "daemons/metrics_registry.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>
#include <sstream>

#include "daemons/metrics.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

std::string num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string label(const std::string& k, const std::string& v) { return k + "=\"" + prometheus_escape(v) + "\""; }

void header(std::ostringstream& o, const std::string& name, const char* type, const char* help) {
  o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

// `labels` is "" or "a=\"x\",b=\"y\"".
void write_histogram(std::ostringstream& o, const std::string& name, const std::string& labels, const Histogram& h) {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    o << name << "_bucket{" << labels << sep << "le=\"" << num(h.bounds[i]) << "\"} " << cumulative << "\n";
  }
  o << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << h.count << "\n";
  o << name << "_sum" << (labels.empty() ? "" : "{" + labels + "}") << " " << num(h.sum) << "\n";
  o << name << "_count" << (labels.empty() ? "" : "{" + labels + "}") << " " << h.count << "\n";
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t u64(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

// A member of an object, or null (for anything that is not an object holding it).
json member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() ? *it : json(nullptr);
}

const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

}  // namespace

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds.size() && value > bounds[i]) ++i;
  counts[i] += 1;
  sum += value;
  count += 1;
}

json Histogram::to_json() const { return {{"bounds", bounds}, {"counts", counts}, {"sum", sum}, {"count", count}}; }

Histogram Histogram::from_json(const json& j, const std::vector<double>& bounds) {
  Histogram h(bounds);
  try {
    if (!j.is_object() || j.at("bounds").get<std::vector<double>>() != bounds) return h;
    auto counts = j.at("counts").get<std::vector<uint64_t>>();
    if (counts.size() != bounds.size() + 1) return h;
    h.counts = std::move(counts);
    h.sum = j.at("sum").get<double>();
    h.count = j.at("count").get<uint64_t>();
  } catch (const json::exception&) {
    return Histogram(bounds);
  }
  return h;
}

std::string cloud_call_outcome(const aws::AwsCallRecord& r) {
  if (r.ok) return "ok";
  if (r.attempts == 0) return "credentials";
  if (aws::is_throttling_code(r.error_code)) return "throttled";
  if (r.http_status == 0) return "unreachable";
  if (r.error_kind == ErrorKind::kBackOff) return "capacity";
  return r.http_status >= 500 ? "server_error" : "client_error";
}

std::string command_outcome(const Result<CommandOutput>& result) {
  if (result.ok()) return result->exit_code == 0 ? "ok" : "exit_nonzero";
  return result.error().code == "Timeout" ? "timeout" : "spawn_failed";
}

void DaemonMetrics::record_iteration(const std::string& outcome, double seconds, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  iterations_[outcome] += 1;
  iteration_seconds_.observe(seconds);
  last_iteration_ = {{"time", now}, {"seconds", seconds}, {"outcome", outcome}};
}

void DaemonMetrics::record_phase(const std::string& phase, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_seconds_.try_emplace(phase, kIterationBuckets).first->second.observe(seconds);
}

void DaemonMetrics::record_cloud_call(const aws::AwsCallRecord& r) {
  const std::string outcome = cloud_call_outcome(r);
  std::lock_guard<std::mutex> lock(mu_);
  CallStats& s = calls_[{r.service, r.action, outcome}];
  s.calls += 1;
  s.retries += r.attempts > 1 ? static_cast<uint64_t>(r.attempts - 1) : 0;
  s.throttled_attempts += static_cast<uint64_t>(std::max(0, r.throttled_attempts));
  call_seconds_.try_emplace({r.service, r.action}, kCallBuckets).first->second.observe(r.duration.count() / 1000.0);
  if (!r.ok) call_errors_[{r.service, r.action, r.error_code.empty() ? "Unknown" : r.error_code}] += 1;
}

void DaemonMetrics::record_command(const std::string& command, const std::string& outcome, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  commands_[{command, outcome}] += 1;
  command_seconds_.try_emplace(command, kCallBuckets).first->second.observe(seconds);
}

void DaemonMetrics::record_launches(const std::string& reason, const std::string& outcome, uint64_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  launches_[{reason, outcome}] += count;
}

void DaemonMetrics::record_terminations(const std::string& reason, const std::string& outcome, uint64_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  terminations_[{reason, outcome}] += count;
}

json DaemonMetrics::to_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  json j = {{"version", 1}, {"iterations", iterations_}, {"iteration_seconds", iteration_seconds_.to_json()},
            {"last_iteration", last_iteration_}};
  json phases = json::object();
  for (const auto& [phase, h] : phase_seconds_) phases[phase] = h.to_json();
  j["phase_seconds"] = phases;
  json calls = json::array();
  for (const auto& [k, s] : calls_)
    calls.push_back({{"service", std::get<0>(k)}, {"action", std::get<1>(k)}, {"outcome", std::get<2>(k)},
                     {"calls", s.calls}, {"retries", s.retries}, {"throttled_attempts", s.throttled_attempts}});
  j["cloud_calls"] = calls;
  json seconds = json::array();
  for (const auto& [k, h] : call_seconds_)
    seconds.push_back({{"service", k.first}, {"action", k.second}, {"seconds", h.to_json()}});
  j["cloud_call_seconds"] = seconds;
  json errors = json::array();
  for (const auto& [k, n] : call_errors_)
    errors.push_back({{"service", std::get<0>(k)}, {"action", std::get<1>(k)}, {"code", std::get<2>(k)}, {"count", n}});
  j["cloud_errors"] = errors;
  json commands = json::array();
  for (const auto& [k, n] : commands_) commands.push_back({{"command", k.first}, {"outcome", k.second}, {"count", n}});
  j["commands"] = commands;
  json command_seconds = json::object();
  for (const auto& [c, h] : command_seconds_) command_seconds[c] = h.to_json();
  j["command_seconds"] = command_seconds;
  auto pairs = [](const std::map<Key2, uint64_t>& m) {
    json a = json::array();
    for (const auto& [k, n] : m) a.push_back({{"reason", k.first}, {"outcome", k.second}, {"count", n}});
    return a;
  };
  j["launches"] = pairs(launches_);
  j["terminations"] = pairs(terminations_);
  return j;
}

void DaemonMetrics::merge_json(const json& j) {
  if (!j.is_object()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = j.find("iterations"); it != j.end() && it->is_object())
    for (const auto& [outcome, n] : it->items())
      if (n.is_number_unsigned()) iterations_[outcome] += n.get<uint64_t>();
  if (auto it = j.find("iteration_seconds"); it != j.end()) iteration_seconds_ = Histogram::from_json(*it, kIterationBuckets);
  if (auto it = j.find("last_iteration"); it != j.end() && it->is_object()) last_iteration_ = *it;
  if (auto it = j.find("phase_seconds"); it != j.end() && it->is_object())
    for (const auto& [phase, h] : it->items()) phase_seconds_[phase] = Histogram::from_json(h, kIterationBuckets);
  for (const auto& c : arr(j, "cloud_calls")) {
    CallStats& s = calls_[{str(c, "service"), str(c, "action"), str(c, "outcome")}];
    s.calls += u64(c, "calls");
    s.retries += u64(c, "retries");
    s.throttled_attempts += u64(c, "throttled_attempts");
  }
  for (const auto& c : arr(j, "cloud_call_seconds"))
    call_seconds_[{str(c, "service"), str(c, "action")}] = Histogram::from_json(member(c, "seconds"), kCallBuckets);
  for (const auto& e : arr(j, "cloud_errors")) call_errors_[{str(e, "service"), str(e, "action"), str(e, "code")}] += u64(e, "count");
  for (const auto& c : arr(j, "commands")) commands_[{str(c, "command"), str(c, "outcome")}] += u64(c, "count");
  if (auto it = j.find("command_seconds"); it != j.end() && it->is_object())
    for (const auto& [c, h] : it->items()) command_seconds_[c] = Histogram::from_json(h, kCallBuckets);
  for (const auto& l : arr(j, "launches")) launches_[{str(l, "reason"), str(l, "outcome")}] += u64(l, "count");
  for (const auto& t : arr(j, "terminations")) terminations_[{str(t, "reason"), str(t, "outcome")}] += u64(t, "count");
}

Result<CommandOutput> CountingCommandRunner::run(const CommandSpec& spec) {
  const auto started = std::chrono::steady_clock::now();
  auto result = inner_.run(spec);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string program = spec.argv.empty() ? "" : spec.argv[0];
  program = program.substr(program.find_last_of('/') == std::string::npos ? 0 : program.find_last_of('/') + 1);
  metrics_.record_command(program, command_outcome(result), seconds);
  return result;
}

std::string clustermgtd_metrics_path(const std::string& cluster_root) { return cluster_root + "/clustermgtd-metrics.json"; }

std::string render_daemon_metrics(const std::vector<std::pair<std::string, json>>& components) {
  std::ostringstream o;
  const json* mgtd = nullptr;
  for (const auto& [name, j] : components)
    if (name == "clustermgtd" && j.is_object()) mgtd = &j;

  header(o, "ebbflow_clustermgtd_iterations_total", "counter",
         "clustermgtd iterations by outcome (ok, actions_failed, skipped: a read failed, nothing done).");
  if (mgtd && mgtd->contains("iterations") && (*mgtd)["iterations"].is_object())
    for (const auto& [outcome, n] : (*mgtd)["iterations"].items())
      if (n.is_number_unsigned())
        o << "ebbflow_clustermgtd_iterations_total{" << label("outcome", outcome) << "} " << n.get<uint64_t>() << "\n";
  header(o, "ebbflow_clustermgtd_iteration_duration_seconds", "histogram", "Wall time of clustermgtd iterations.");
  if (mgtd) write_histogram(o, "ebbflow_clustermgtd_iteration_duration_seconds", "",
                            Histogram::from_json(member(*mgtd, "iteration_seconds"), kIterationBuckets));
  const json last = mgtd ? member(*mgtd, "last_iteration") : json();
  header(o, "ebbflow_clustermgtd_last_iteration_duration_seconds", "gauge", "Wall time of the last clustermgtd iteration.");
  if (last.is_object() && last.contains("seconds") && last["seconds"].is_number())
    o << "ebbflow_clustermgtd_last_iteration_duration_seconds " << num(last["seconds"].get<double>()) << "\n";
  header(o, "ebbflow_clustermgtd_last_iteration_timestamp_seconds", "gauge",
         "Unix time at which the last clustermgtd iteration started.");
  if (last.is_object() && last.contains("time") && last["time"].is_number_integer())
    o << "ebbflow_clustermgtd_last_iteration_timestamp_seconds " << last["time"].get<int64_t>() << "\n";
  header(o, "ebbflow_clustermgtd_phase_duration_seconds", "histogram",
         "Wall time of the observe, decide and act phases of clustermgtd iterations.");
  if (mgtd && mgtd->contains("phase_seconds") && (*mgtd)["phase_seconds"].is_object())
    for (const auto& [phase, h] : (*mgtd)["phase_seconds"].items())
      write_histogram(o, "ebbflow_clustermgtd_phase_duration_seconds", label("phase", phase),
                      Histogram::from_json(h, kIterationBuckets));
  for (const auto& [family, key, help] : std::vector<std::tuple<std::string, std::string, const char*>>{
           {"ebbflow_clustermgtd_launches_total", "launches",
            "Nodes clustermgtd launched instances for, by reason (rule) and outcome (ok or error code)."},
           {"ebbflow_clustermgtd_terminations_total", "terminations",
            "Instances clustermgtd asked to terminate, by reason (rule) and outcome (ok or error code)."}}) {
    header(o, family, "counter", help);
    if (mgtd)
      for (const auto& r : arr(*mgtd, key.c_str()))
        o << family << "{" << label("reason", str(r, "reason")) << "," << label("outcome", str(r, "outcome")) << "} "
          << u64(r, "count") << "\n";
  }

  // Per-component families. Retries and throttled attempts are summed over outcomes.
  header(o, "ebbflow_cloud_api_calls_total", "counter",
         "Cloud API calls by component, service, action and outcome (ok, throttled, unreachable, capacity, "
         "server_error, client_error, credentials).");
  for (const auto& [comp, j] : components)
    for (const auto& c : arr(j, "cloud_calls"))
      o << "ebbflow_cloud_api_calls_total{" << label("component", comp) << "," << label("service", str(c, "service"))
        << "," << label("action", str(c, "action")) << "," << label("outcome", str(c, "outcome")) << "} "
        << u64(c, "calls") << "\n";
  for (const auto& [family, key, help] : std::vector<std::tuple<std::string, std::string, const char*>>{
           {"ebbflow_cloud_api_retries_total", "retries", "Cloud API attempts after the first (standard retry mode)."},
           {"ebbflow_cloud_api_throttled_attempts_total", "throttled_attempts",
            "Cloud API attempts answered with a throttling error code."}}) {
    header(o, family, "counter", help);
    for (const auto& [comp, j] : components) {
      std::map<std::pair<std::string, std::string>, uint64_t> sum;
      for (const auto& c : arr(j, "cloud_calls")) sum[{str(c, "service"), str(c, "action")}] += u64(c, key.c_str());
      for (const auto& [k, n] : sum)
        o << family << "{" << label("component", comp) << "," << label("service", k.first) << ","
          << label("action", k.second) << "} " << n << "\n";
    }
  }
  header(o, "ebbflow_cloud_api_errors_total", "counter", "Failed cloud API calls by error code (after retries).");
  for (const auto& [comp, j] : components)
    for (const auto& e : arr(j, "cloud_errors"))
      o << "ebbflow_cloud_api_errors_total{" << label("component", comp) << "," << label("service", str(e, "service"))
        << "," << label("action", str(e, "action")) << "," << label("code", str(e, "code")) << "} " << u64(e, "count")
        << "\n";
  header(o, "ebbflow_cloud_api_call_duration_seconds", "histogram",
         "Wall time of cloud API calls, retries and back-off included.");
  for (const auto& [comp, j] : components)
    for (const auto& c : arr(j, "cloud_call_seconds"))
      write_histogram(o, "ebbflow_cloud_api_call_duration_seconds",
                      label("component", comp) + "," + label("service", str(c, "service")) + "," +
                          label("action", str(c, "action")),
                      Histogram::from_json(member(c, "seconds"), kCallBuckets));
  header(o, "ebbflow_scheduler_commands_total", "counter",
         "Scheduler commands (scontrol, squeue, ...) by outcome (ok, exit_nonzero, timeout, spawn_failed).");
  for (const auto& [comp, j] : components)
    for (const auto& c : arr(j, "commands"))
      o << "ebbflow_scheduler_commands_total{" << label("component", comp) << "," << label("command", str(c, "command"))
        << "," << label("outcome", str(c, "outcome")) << "} " << u64(c, "count") << "\n";
  header(o, "ebbflow_scheduler_command_duration_seconds", "histogram", "Wall time of scheduler commands.");
  for (const auto& [comp, j] : components)
    if (j.is_object() && j.contains("command_seconds") && j["command_seconds"].is_object())
      for (const auto& [cmd, h] : j["command_seconds"].items())
        write_histogram(o, "ebbflow_scheduler_command_duration_seconds",
                        label("component", comp) + "," + label("command", cmd), Histogram::from_json(h, kCallBuckets));
  return o.str();
}

}  // namespace ebbflow::daemons
