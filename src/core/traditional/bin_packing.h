// Generic first-fit bin packing of pending jobs onto would-be compute nodes (reference 2.2,
// ParallelCluster's get_optimal_nodes in jobwatcher/plugins/utils.py).
//
// jobwatcher asks each scheduler adapter how many nodes its pending jobs need; the Torque and
// Slurm adapters express every pending job (or every part of a Torque "a:ppn=b+c:ppn=d" spec)
// as a NodeRequest and let this function count the nodes. A request of n nodes needing R of a
// resource in total needs ceil(R/n) on each of its n nodes; each of those node-parts first goes
// to the earliest existing virtual node that still has room for all of its resources (one part
// per virtual node), and whatever does not fit opens new virtual nodes. Pure and deterministic.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ebbflow::core {

struct NodeRequest {
  int nodes = 1;                             // how many nodes the job (or job part) spans
  std::map<std::string, int> resources;      // totals over those nodes: "slots", "gpus", ...
};

// Number of nodes of capacity `node_capacity` the requests need, packed first-fit in order.
// A resource missing from `node_capacity` counts as 0 there. Requests with nodes <= 0 are
// ignored (the original divided by zero). Callers drop requests that can never fit a node
// (bigger than one node, or beyond max_size) before calling: this function only counts.
int optimal_node_count(const std::vector<NodeRequest>& requests,
                       const std::map<std::string, int>& node_capacity);

}  // namespace ebbflow::core
