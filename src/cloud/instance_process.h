// Instances as process groups on this machine.
//
// spawn_instance() forks; the child leaves the server's session (setsid, so its pid is its
// process group id and a terminal's signals do not reach it), sends stdout/stderr to the
// instance's console.log, and execs /bin/bash on the user-data file with a fixed environment.
// Everything the child needs is prepared before fork(): the server is multi-threaded, so the
// child may only call async-signal-safe functions until exec.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "util/result.h"

namespace ebbflow::cloud {

struct SpawnSpec {
  std::string working_dir;     // <state>/instances/<id>
  std::string script_path;     // <working_dir>/user-data
  std::string console_path;    // <working_dir>/console.log
  std::map<std::string, std::string> env;  // the whole environment of the script
};

// Returns the pid (= process group id). kGiveUp "SpawnFailed" if fork() failed.
Result<int> spawn_instance(const SpawnSpec& spec);

// True if some process of the group exists (kill(-pgid, 0)).
bool group_alive(int pgid);
// True if the process exists and is not a zombie.
bool process_alive(int pid);
void signal_group(int pgid, int sig);

// For a child of this process: its wait status once it has exited (reaping it), else nullopt.
// Also nullopt, with *not_child set, when `pid` is not (or no longer) our child.
std::optional<int> reap_child(int pid, bool* not_child);

}  // namespace ebbflow::cloud
