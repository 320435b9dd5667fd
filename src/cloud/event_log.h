// A JSON-lines log file: one object per line, each stamped with "time" (Unix seconds, with
// milliseconds). Thread-safe; a write failure is ignored (logging must not stop the cloud).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace ebbflow::cloud {

class EventLog {
 public:
  explicit EventLog(const std::string& path);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  void write(nlohmann::json event);

 private:
  std::mutex mu_;  // guards file_
  FILE* file_;
};

}  // namespace ebbflow::cloud
