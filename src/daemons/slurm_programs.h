// Slurm's ResumeProgram / SuspendProgram and the compute-node side (bootstrap + computemgtd).
#pragma once

#include <cstdint>
#include <string>

namespace ebbflow::daemons {

// ResumeProgram: launch and bind instances for the nodes in `hostlist` (a Slurm hostlist
// expression). Nodes that cannot be launched are set DOWN with "(Code:X)Failure when resuming
// nodes" so Slurm requeues their jobs and clustermgtd powers them down.
int run_slurm_resume(const std::string& cluster_root, const std::string& hostlist);

// SuspendProgram / ResumeFailProgram: records the request; clustermgtd does the work.
int run_slurm_suspend(const std::string& cluster_root, const std::string& hostlist);

// The compute node's main process (the instance's user data execs it): learns its Slurm node
// name from instance metadata, runs slurmd for it, and runs computemgtd: when the head node's
// heartbeat has been stale for computemgtd.ClustermgtdTimeout and Slurm considers this node down
// or power-saved (or cannot be reached), the node shuts itself down (the process exits, so the
// local cloud terminates the instance; on EC2 this is `shutdown -h now`).
int run_compute_node(const std::string& cluster_root);

bool heartbeat_fresh(const std::string& path, int64_t now, int64_t timeout);

}  // namespace ebbflow::daemons
