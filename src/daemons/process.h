// Starting and stopping the long-running processes a cluster owns (munged, slurmctld, the
// local cloud, clustermgtd), always by PID from a pid file, never by name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow::daemons {

// Starts argv detached (new session, stdin from /dev/null, stdout/stderr appended to log_file),
// writes its pid to pid_file, and returns the pid.
Result<int> spawn_detached(const std::vector<std::string>& argv, const std::string& log_file,
                           const std::string& pid_file);

// Reads a pid file; nullopt-like error kNotFound when absent or unreadable.
Result<int> read_pid_file(const std::string& pid_file);

// True if the pid is alive and its command line contains `expect` (guards against pid reuse).
bool pid_alive(int pid, const std::string& expect = "");

// SIGTERM, wait up to timeout_ms, then SIGKILL. Removes the pid file. OK when not running.
Status stop_by_pid_file(const std::string& pid_file, const std::string& expect, int timeout_ms = 10000);

// Waits until `ready()` returns true or the timeout expires.
bool wait_until(int timeout_ms, const std::function<bool()>& ready);

}  // namespace ebbflow::daemons
