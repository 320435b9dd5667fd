#include "cloud/event_log.h"

#include <chrono>

namespace ebbflow::cloud {

EventLog::EventLog(const std::string& path) : file_(std::fopen(path.c_str(), "ae")) {}

EventLog::~EventLog() {
  if (file_) std::fclose(file_);
}

void EventLog::write(nlohmann::json event) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  event["time"] = std::chrono::duration_cast<std::chrono::milliseconds>(now).count() / 1000.0;
  std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  if (!file_) return;
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace ebbflow::cloud
