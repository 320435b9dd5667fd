#include "daemons/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace ebbflow::daemons {

std::string iso8601(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json event_to_json(const Event& e) {
  nlohmann::json j = {{"time", iso8601(e.time)}, {"component", e.component}, {"rule", e.rule},
                      {"action", e.action},       {"reason", e.reason},       {"outcome", e.outcome}};
  // Keep lines bounded: very long lists are truncated with a count (as the original does at 100).
  auto bounded = [](const std::vector<std::string>& v) {
    nlohmann::json arr = nlohmann::json::array();
    for (size_t i = 0; i < v.size() && i < 100; ++i) arr.push_back(v[i]);
    return arr;
  };
  if (!e.nodes.empty()) {
    j["nodes"] = bounded(e.nodes);
    j["node_count"] = e.nodes.size();
  }
  if (!e.instances.empty()) {
    j["instances"] = bounded(e.instances);
    j["instance_count"] = e.instances.size();
  }
  if (!e.detail.is_null()) j["detail"] = e.detail;
  return j;
}

void EventLog::write(const Event& e) const {
  std::string line = event_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "event log %s: cannot open\n", path_.c_str());
    return;
  }
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    std::fprintf(stderr, "event log %s: short write\n", path_.c_str());
  ::close(fd);
}

}  // namespace ebbflow::daemons
