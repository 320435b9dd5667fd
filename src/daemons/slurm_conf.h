// slurm.conf for a queue-mode cluster (reference section 10, adapted to many slurmd on one host).
//
// Every node is State=CLOUD (so NodeAddr starts equal to the name: "no instance bound");
// static nodes are listed in SuspendExcNodes so Slurm never power-saves them; each node gets
// its own slurmd Port because in the local cloud all slurmd share this machine.
#pragma once

#include <string>

#include "daemons/cluster_context.h"

namespace ebbflow::daemons {

// Number of Slurm nodes (static + dynamic) the configuration declares.
int total_node_count(const config::ClusterConfig& cfg);

std::string render_slurm_conf(const ClusterContext& ctx);

}  // namespace ebbflow::daemons
