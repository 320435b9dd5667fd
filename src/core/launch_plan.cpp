#include "core/launch_plan.h"

#include <unordered_set>

namespace ebbflow::core {

LaunchPlan plan_launch(const std::vector<std::string>& node_names, const std::vector<QueueSpec>& queues,
                       int batch_size, LaunchPurpose purpose) {
  LaunchPlan plan;
  if (batch_size < 1) batch_size = 1;
  // Group index per (queue, cr), in order of first appearance.
  std::map<QueueCr, size_t> group_of;
  std::vector<LaunchBatch> groups;
  std::unordered_set<std::string> seen;
  for (const auto& name : node_names) {
    if (!seen.insert(name).second) continue;  // a node named twice is launched once
    auto parsed = parse_node_name(name);
    const ComputeResourceSpec* cr = nullptr;
    if (parsed) {
      for (const auto& q : queues)
        if (q.name == parsed->queue)
          for (const auto& c : q.compute_resources)
            if (c.name == parsed->compute_resource) cr = &c;
    }
    if (!parsed || !cr) {
      plan.rejected["InvalidNodenameError"].push_back(name);
      continue;
    }
    bool is_static = parsed->type == NodeType::kStatic;
    int limit = is_static ? cr->min_count : cr->max_count - cr->min_count;
    if (parsed->index < 1 || parsed->index > limit) {
      plan.rejected["InvalidNodenameError"].push_back(name);
      continue;
    }
    if (is_static && purpose == LaunchPurpose::kResume) {
      // Static capacity has a single owner, clustermgtd; resume never launches for it.
      plan.rejected["StaticNodeNotResumable"].push_back(name);
      continue;
    }
    QueueCr key{parsed->queue, parsed->compute_resource};
    auto [it, inserted] = group_of.emplace(key, groups.size());
    if (inserted) groups.push_back({parsed->queue, parsed->compute_resource, cr->instance_type, {}});
    groups[it->second].node_names.push_back(name);
  }
  for (auto& g : groups) {
    for (size_t i = 0; i < g.node_names.size(); i += static_cast<size_t>(batch_size)) {
      LaunchBatch b{g.queue, g.compute_resource, g.instance_type, {}};
      size_t end = std::min(g.node_names.size(), i + static_cast<size_t>(batch_size));
      b.node_names.assign(g.node_names.begin() + static_cast<long>(i), g.node_names.begin() + static_cast<long>(end));
      plan.batches.push_back(std::move(b));
    }
  }
  return plan;
}

}  // namespace ebbflow::core
