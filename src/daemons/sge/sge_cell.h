// A real Son of Grid Engine cell that belongs to one ebbflow cluster (traditional mode,
// `Scheduling.Scheduler: sge`), built from Debian's gridengine 8.1.9 binaries.
//
// Every SGE "machine" is simulated on this one machine with Linux namespaces: the qmaster runs
// in a network namespace that holds a bridge (the cluster's private subnet 10.X.0.0/16) and
// each exec host gets its own network namespace with a veth on that bridge. Every daemon and
// client also gets its own UTS namespace (its host name) and mount namespace, in which the
// cluster's hosts file (<cluster>/sge/hosts) is bind-mounted over /etc/hosts: the machine's
// /etc/hosts is never modified. SGE's commlib insists that a peer's IP resolves to the host
// name it claims, which is why one shared loopback stack cannot work (see docs/sge.md).
//
// Layout: $SGE_ROOT/<cell>/common (bootstrap, act_qmaster, classic-spooled configuration),
// <cluster>/sge/{cell.json,hosts,qmaster/,execd/,hosts.d/,conf/}, client wrappers in
// <cluster>/bin, daemon pid files in <cluster>/run, daemon output in <cluster>/log.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "daemons/cluster_context.h"
#include "daemons/cluster_lifecycle.h"
#include "util/command.h"
#include "util/result.h"

namespace ebbflow::daemons::sge {

inline constexpr const char* kSgeRoot = "/var/lib/gridengine";
inline constexpr const char* kSgeArch = "lx-amd64";
inline constexpr const char* kSgeBinDir = "/usr/lib/gridengine";  // the real binaries (no Debian wrapper)
inline constexpr const char* kMasterHostname = "sgemaster";

// What create_cell fixed (<cluster>/sge/cell.json).
struct CellInfo {
  std::string cluster_name;
  std::string cell;           // SGE_CELL: "ebf-<8 hex of the cluster root>"
  int subnet_octet = 0;       // the cluster's private subnet is 10.<octet>.0.0/16
  std::string master_hostname = kMasterHostname;
  std::string master_netns;   // "<cell>-master"
  int next_host_index = 2;    // exec host IPs are 10.<octet>.<i/256>.<i%256>; never reused

  std::string subnet() const { return "10." + std::to_string(subnet_octet) + ".0.0/16"; }
  std::string master_ip() const { return "10." + std::to_string(subnet_octet) + ".0.1"; }
  std::string cell_dir() const { return std::string(kSgeRoot) + "/" + cell; }
};

std::string sge_dir(const ClusterPaths& p);            // <root>/sge
std::string hosts_file(const ClusterPaths& p);         // <root>/sge/hosts
std::string qmaster_pid_file(const ClusterPaths& p);   // <root>/run/sge_qmaster.pid
std::string cell_name_for(const ClusterPaths& p);      // deterministic from the root path

Result<CellInfo> load_cell(const ClusterPaths& p);
Status save_cell(const ClusterPaths& p, const CellInfo& cell);

// A fresh cell: claims a subnet no other ebbflow SGE cell on this machine uses, writes
// $SGE_ROOT/<cell>/common and the classic spool in <cluster>/sge, creates the qmaster's
// network namespace + bridge, the hosts file and the client wrappers. Does not start anything.
// kInvalidInput "AlreadyExists" when this cluster already has a cell (stop_cell first).
Status create_cell(const ClusterPaths& p, const std::string& cluster_name, const Progress& progress);

// Starts sge_qmaster (recreating the qmaster's namespace if it is gone, e.g. after a reboot;
// foreground mode, SGE_ND, detached in its own session; pid file
// <cluster>/run/sge_qmaster.pid), waits until it answers, and on the first start configures
// the scheduler (1 s interval), hostgroup @allhosts, queue all.q (slots 1, no load
// thresholds), parallel environments smp/mpi, and the qmaster as a submit host.
Status start_qmaster(const ClusterPaths& p, const Progress& progress);

// Stops everything the cell started (execds, their jobs, the qmaster: SIGKILL by pid after a
// /proc/PID/comm check, then whatever is left inside the cell's own namespaces), deletes the
// namespaces, $SGE_ROOT/<cell>, <cluster>/sge and the wrappers. Idempotent; works after a
// crash of any part (it finds leftovers by the cell's deterministic names).
Status stop_cell(const ClusterPaths& p, const Progress& progress);

// Shell exports for `ebbflow cluster env`: PATH with <cluster>/bin first (the wrappers), and
// SGE_ROOT/SGE_CELL/SGE_ARCH for scripts that read them. kNotFound when there is no cell.
Result<std::string> env_exports(const ClusterPaths& p);

// The client programs that get a wrapper in <cluster>/bin.
const std::vector<std::string>& client_programs();

// An argv that runs `argv` inside a namespace: `ip netns exec NETNS unshare --mount --uts sh
// -c '<bind hosts, set hostname, exec>' sh HOSTS HOSTNAME argv...` (values are positional
// parameters of a constant script: never interpolated into shell text).
std::vector<std::string> in_namespace(const std::string& netns, const std::string& hosts, const std::string& hostname,
                                      const std::vector<std::string>& argv);

// SGE_ROOT, SGE_CELL, SGE_ARCH for this cell.
std::map<std::string, std::string> sge_env(const CellInfo& cell);

// Runs an SGE client (`program` is a name from client_programs(), e.g. "qconf") on the
// qmaster host. A non-zero exit status is returned, not an error.
Result<CommandOutput> run_client(CommandRunner& runner, const ClusterPaths& p, const CellInfo& cell,
                                 const std::string& program, const std::vector<std::string>& args,
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

}  // namespace ebbflow::daemons::sge
