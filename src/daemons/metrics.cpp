#include "daemons/metrics.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void header(std::ostringstream& o, const char* name, const char* type, const char* help) {
  o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

std::string outcome_class(const std::string& outcome) {
  if (outcome == "ok" || outcome == "warning") return outcome;
  return "error";
}

std::string launch_failure_code(const json& event) {
  const std::string action = str(event, "action");
  if ((action != "run-instances" && action != "create-fleet") || str(event, "outcome") == "ok") return "";
  // The reason of a failed RunInstances / CreateFleet is "Code: message" (Error::describe(), or
  // the fleet's error code and its errors).
  const std::string reason = str(event, "reason");
  size_t n = 0;
  while (n < reason.size() && (std::isalnum(static_cast<unsigned char>(reason[n])) || reason[n] == '.')) ++n;
  if (n > 0 && n < reason.size() && reason[n] == ':') return reason.substr(0, n);
  return "Unknown";
}

void EventCounters::add(const json& event) {
  if (!event.is_object()) return;
  actions[{str(event, "rule"), str(event, "action"), outcome_class(str(event, "outcome"))}] += 1;
  if (auto code = launch_failure_code(event); !code.empty()) launch_failures[code] += 1;
}

std::string prometheus_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_metrics(const json& status, const EventCounters& counters) {
  std::ostringstream o;
  auto label = [](const std::string& k, const std::string& v) { return k + "=\"" + prometheus_escape(v) + "\""; };

  header(o, "ebbflow_nodes", "gauge", "Slurm nodes by queue, compute resource and state.");
  std::set<std::string> queues;
  if (status.contains("queues") && status["queues"].is_array()) {
    for (const auto& q : status["queues"]) {
      queues.insert(str(q, "name"));
      for (const auto& cr : q.value("compute_resources", json::array())) {
        const json by_state = cr.value("nodes_by_state", json::object());  // items() must not outlive it
        for (const auto& [state, count] : by_state.items())
          o << "ebbflow_nodes{" << label("queue", str(q, "name")) << "," << label("compute_resource", str(cr, "name"))
            << "," << label("state", state) << "} " << count.get<int64_t>() << "\n";
      }
    }
  }
  header(o, "ebbflow_instances", "gauge", "Live compute instances of the cluster in the cloud.");
  if (status.contains("instance_count") && status["instance_count"].is_number())
    o << "ebbflow_instances " << status["instance_count"].get<int64_t>() << "\n";
  header(o, "ebbflow_heartbeat_age_seconds", "gauge", "Seconds since clustermgtd last wrote its heartbeat.");
  if (status.contains("heartbeat_age_s") && status["heartbeat_age_s"].is_number())
    o << "ebbflow_heartbeat_age_seconds " << status["heartbeat_age_s"].get<int64_t>() << "\n";
  header(o, "ebbflow_protected_mode", "gauge", "1 when the queue is disabled by protected mode.");
  std::set<std::string> protected_queues;
  if (status.contains("protected_partitions") && status["protected_partitions"].is_object())
    for (const auto& [q, why] : status["protected_partitions"].items()) protected_queues.insert(q), queues.insert(q);
  for (const auto& q : queues)
    o << "ebbflow_protected_mode{" << label("queue", q) << "} " << (protected_queues.count(q) ? 1 : 0) << "\n";
  header(o, "ebbflow_actions_total", "counter", "Event log lines by rule, action and outcome (ok|warning|error).");
  for (const auto& [key, n] : counters.actions) {
    const auto& [rule, action, outcome] = key;
    o << "ebbflow_actions_total{" << label("rule", rule) << "," << label("action", action) << ","
      << label("outcome", outcome) << "} " << n << "\n";
  }
  header(o, "ebbflow_launch_failures_total", "counter", "Failed RunInstances calls by error code.");
  for (const auto& [code, n] : counters.launch_failures)
    o << "ebbflow_launch_failures_total{" << label("code", code) << "} " << n << "\n";
  header(o, "ebbflow_daemon_up", "gauge", "1 when the daemon's pid file names a live process.");
  if (status.contains("daemons") && status["daemons"].is_object())
    for (const auto& [name, d] : status["daemons"].items())
      o << "ebbflow_daemon_up{" << label("daemon", name) << "} " << (d.value("running", false) ? 1 : 0) << "\n";
  return o.str();
}

std::vector<TailedEvent> EventTail::read_new(size_t max_bytes) {
  std::vector<TailedEvent> out;
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0) return out;
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < offset_) offset_ = 0;  // replaced or truncated
  if (size == offset_) return out;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return out;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string buf(static_cast<size_t>(std::min<uint64_t>(size - offset_, max_bytes)), '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<size_t>(in.gcount()));
  size_t start = 0;
  for (size_t nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n', start)) {
    auto j = json::parse(buf.begin() + static_cast<std::ptrdiff_t>(start), buf.begin() + static_cast<std::ptrdiff_t>(nl),
                         nullptr, false);
    start = nl + 1;
    if (!j.is_discarded() && j.is_object()) out.push_back({offset_ + start, std::move(j)});
  }
  // A single line longer than max_bytes would stall the reader forever: skip it.
  if (start == 0 && buf.size() >= max_bytes) start = buf.size();
  offset_ += start;
  return out;
}

bool event_matches(const json& event, const std::string& node, const std::string& rule, const std::string& since_iso) {
  if (!rule.empty() && str(event, "rule") != rule) return false;
  if (!since_iso.empty() && str(event, "time") < since_iso) return false;
  if (node.empty()) return true;
  auto nodes = event.find("nodes");
  if (nodes == event.end() || !nodes->is_array()) return false;
  for (const auto& n : *nodes)
    if (n.is_string() && n.get<std::string>() == node) return true;
  return false;
}

std::string format_event_line(const json& event) {
  std::string nodes;
  if (auto it = event.find("nodes"); it != event.end() && it->is_array()) {
    for (const auto& n : *it)
      if (n.is_string()) nodes += (nodes.empty() ? "" : ",") + n.get<std::string>();
    size_t total = event.value("node_count", it->size());
    if (total > it->size()) nodes += " (+" + std::to_string(total - it->size()) + " more)";
  }
  if (nodes.empty()) nodes = "-";
  std::ostringstream o;
  o << str(event, "time") << "  " << str(event, "component") << "  " << str(event, "rule") << "  "
    << str(event, "action") << "  " << nodes << "  " << str(event, "reason") << "  [" << str(event, "outcome") << "]";
  return o.str();
}

}  // namespace ebbflow::daemons
