// First-fit bin packing (reference 2.2); see bin_packing.h.
#include "core/traditional/bin_packing.h"

namespace ebbflow::core {
namespace {

int ceil_div(int total, int parts) { return total <= 0 ? 0 : (total + parts - 1) / parts; }

// Remaining resources of one would-be node.
using VirtualNode = std::map<std::string, int>;

bool fits(const VirtualNode& node, const std::map<std::string, int>& per_node) {
  for (const auto& [resource, amount] : per_node) {
    auto it = node.find(resource);
    int available = it == node.end() ? 0 : it->second;
    if (available < amount) return false;
  }
  return true;
}

}  // namespace

int optimal_node_count(const std::vector<NodeRequest>& requests,
                       const std::map<std::string, int>& node_capacity) {
  std::vector<VirtualNode> nodes;
  for (const NodeRequest& request : requests) {
    if (request.nodes <= 0) continue;
    std::map<std::string, int> per_node;
    for (const auto& [resource, total] : request.resources) {
      per_node[resource] = ceil_div(total, request.nodes);
    }
    int remaining = request.nodes;
    // One part of the request per existing node at most: a multi-node job's parts must land
    // on distinct hosts.
    for (VirtualNode& node : nodes) {
      if (remaining == 0) break;
      if (!fits(node, per_node)) continue;
      for (const auto& [resource, amount] : per_node) node[resource] -= amount;
      --remaining;
    }
    for (int i = 0; i < remaining; ++i) {
      VirtualNode fresh = node_capacity;
      for (const auto& [resource, amount] : per_node) fresh[resource] -= amount;
      nodes.push_back(std::move(fresh));
    }
  }
  return static_cast<int>(nodes.size());
}

}  // namespace ebbflow::core
