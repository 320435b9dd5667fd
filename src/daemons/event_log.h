// The structured event log: one JSON object per line, one line per decision or action, with
// the rule that produced it and its reason. Appended with O_APPEND so several processes
// (clustermgtd, slurm_resume) can share one file without interleaving lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ebbflow::daemons {

struct Event {
  int64_t time = 0;
  std::string component;   // clustermgtd | slurm-resume | slurm-suspend | computemgtd | cli
  std::string rule;        // static-replacement, power-saving, orphaned-instance, ...
  std::string action;      // terminate-instances, launch-nodes, ... or "note"
  std::string reason;
  std::vector<std::string> nodes;
  std::vector<std::string> instances;
  std::string outcome = "ok";  // ok | error text
  nlohmann::json detail;       // optional extra fields
};

class EventLog {
 public:
  explicit EventLog(std::string path) : path_(std::move(path)) {}
  void write(const Event& e) const;  // never throws; a failed write is reported on stderr
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string iso8601(int64_t unix_seconds);
nlohmann::json event_to_json(const Event& e);

}  // namespace ebbflow::daemons
