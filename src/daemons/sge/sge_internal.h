// Helpers shared by the SGE cell files (not a public API): network namespaces, killing our own
// processes by pid after a /proc/PID/comm check, an flock guard, and in-place edits of the
// cluster's hosts file (bind mounts pin its inode, so it is never replaced, only rewritten).
#pragma once

#include <string>
#include <vector>

#include "util/command.h"
#include "util/result.h"

namespace ebbflow::daemons::sge::detail {

// Runs a command, requiring exit 0 (error names the command and its stderr).
Status run_ok(const std::vector<std::string>& argv, int timeout_ms = 15000);

bool netns_exists(const std::string& name);
std::vector<std::string> netns_list_with_prefix(const std::string& prefix);
// SIGKILLs every process inside the namespace (it was created by the cell, so whatever runs
// there was started by it) and waits until they are gone. Then deletes the namespace.
Status destroy_netns(const std::string& name);

// /proc/PID/comm equals `comm` (and the process is not a zombie).
bool comm_is(int pid, const std::string& comm);
// Reads the pid file; if that process is alive and named `comm`, SIGKILLs it and waits until
// it is gone (reaping it if it is our child). Removes the pid file. OK when nothing runs.
void kill_by_pid_file(const std::string& pid_file, const std::string& comm, int timeout_ms = 5000);

// An exclusive flock on a file or directory, released on destruction.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  bool ok() const { return fd_ >= 0; }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Appends "IP HOSTNAME\n" in place (O_APPEND, same inode).
Status hosts_append(const std::string& file, const std::string& ip, const std::string& hostname);
// Overwrites the line naming `hostname` with a same-length comment ("#" + spaces), in place:
// no other line moves, so a reader never sees a half-written file.
Status hosts_blank(const std::string& file, const std::string& hostname);

std::string read_text(const std::string& path);  // "" when absent

}  // namespace ebbflow::daemons::sge::detail
