// Prometheus metrics for a cluster, and the incremental reader of events.jsonl they count.
//
// The dashboard (dashboard.h) serves /metrics from a cached status JSON (cluster_status.h) plus
// counters accumulated from the event log. Both pieces here are pure or file-only so they can be
// unit-tested without Slurm or a cloud: render_metrics() turns (status, counters) into the
// Prometheus text exposition format 0.0.4, and EventTail reads only the lines appended since its
// last call (it keeps the byte offset, so a long-running dashboard never re-reads the log).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace ebbflow::daemons {

// Counters derived from event lines. Outcomes are reduced to ok|error|warning so a free-form
// error text cannot explode the label cardinality.
struct EventCounters {
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> actions;  // rule, action, outcome
  std::map<std::string, uint64_t> launch_failures;                                // error code
  void add(const nlohmann::json& event);
};

// "ok" -> ok, "warning" -> warning, anything else -> error.
std::string outcome_class(const std::string& outcome);
// The error code of a failed launch event ("InsufficientInstanceCapacity: ..." -> that code),
// or "" when the event is not a failed launch.
std::string launch_failure_code(const nlohmann::json& event);

// Escapes a Prometheus label value (backslash, double quote, newline).
std::string prometheus_escape(const std::string& value);

// The whole /metrics body. Values the status could not learn (Slurm or the cloud unreachable)
// are left out rather than reported as zero.
std::string render_metrics(const nlohmann::json& status, const EventCounters& counters);

struct TailedEvent {
  uint64_t end_offset = 0;  // byte offset just past this line: a cursor for "events since"
  nlohmann::json event;
};

class EventTail {
 public:
  explicit EventTail(std::string path, uint64_t offset = 0) : path_(std::move(path)), offset_(offset) {}
  // Complete lines appended since the last call. A partial last line (a writer mid-append) is
  // left for the next call; unparseable lines are skipped; a file that shrank (replaced or
  // truncated) is read again from the start. A missing file yields nothing.
  std::vector<TailedEvent> read_new(size_t max_bytes = 16u << 20);
  uint64_t offset() const { return offset_; }

 private:
  std::string path_;
  uint64_t offset_;
};

// `ebbflow events`: whether an event passes the filters (node named in its nodes list, rule,
// time at or after `since_iso`, compared as the log's own "YYYY-MM-DDTHH:MM:SSZ" text, so a
// prefix such as "2026-11-26" works too), and its one-line human form:
// "time component rule action nodes reason outcome".
bool event_matches(const nlohmann::json& event, const std::string& node, const std::string& rule,
                   const std::string& since_iso);
std::string format_event_line(const nlohmann::json& event);

}  // namespace ebbflow::daemons
