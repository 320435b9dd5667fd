// The exec-host side of an ebbflow SGE cell: one simulated machine per compute instance.
//
// A compute node (`ebbflow compute-node`, one process group per local-cloud instance) calls
// prepare_exec_host (IP + hosts line + network namespace with a veth on the cluster bridge),
// then wait_until_admin_host (sqswatcher must have run `qconf -ah` first: an execd started on
// a host that is not yet an admin host gives up for good after ~30 s), then start_execd. The
// execd runs with SGE_ND (no daemonizing), as a child in the caller's process group, so it dies
// with the instance. remove_exec_host kills whatever still runs in the host's namespace
// (execd, shepherds, jobs) and deletes the namespace and the hosts line; it does NOT
// unregister the host from SGE (that is sqswatcher's `qconf -d*` work).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "daemons/sge/sge_cell.h"

namespace ebbflow::daemons::sge {

struct ExecHost {
  std::string hostname;
  std::string ip;
  std::string netns;  // "<cell>-<hostname>"
  std::string veth;   // the bridge-side end, inside the qmaster's namespace ("vh<index>")
  int index = 0;
};

bool valid_exec_hostname(const std::string& hostname);

// Idempotent: a host that is already prepared (record and namespace present) is returned as is.
Result<ExecHost> prepare_exec_host(const ClusterPaths& p, const std::string& hostname);
Result<ExecHost> load_exec_host(const ClusterPaths& p, const std::string& hostname);
std::vector<std::string> list_exec_hosts(const ClusterPaths& p);

// Polls `qconf -sh` on the qmaster host until `hostname` is an admin host.
// kUnavailable "Timeout" when it did not become one in time.
Status wait_until_admin_host(const ClusterPaths& p, const std::string& hostname, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds poll = std::chrono::milliseconds(500));

// Starts sge_execd for the host in its namespaces as a child of the caller, in the caller's
// process group; output goes to <cluster>/log/sge_execd-<host>.out, the pid to
// <cluster>/run/sge_execd-<host>.pid. Returns the pid (the caller reaps it).
Result<int> start_execd(const ClusterPaths& p, const ExecHost& host);

// start_execd, then waits for it to exit; OK when it exited 0 or by SIGTERM.
Status run_execd(const ClusterPaths& p, const ExecHost& host);

// Kills everything in the host's namespace, deletes it, blanks its hosts line, drops its record.
// Idempotent (OK when the host is unknown).
Status remove_exec_host(const ClusterPaths& p, const std::string& hostname);

}  // namespace ebbflow::daemons::sge
