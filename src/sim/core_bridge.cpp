// The simulator's clustermgtd: builds a core::ClusterSnapshot from the Slurm and cloud models,
// calls core::decide_iteration (the daemon's own decision code) and applies the plan.
//
// The snapshot holds only the nodes the core could act on (powering down with an instance, down,
// and, while a node is down or a compute resource is disabled, the power-saved ones) with
// their instances. Every other node is idle, busy or booting with a healthy instance and no
// faults, for which the core decides nothing; leaving them out keeps a loop O(nodes of interest).
#include <cstdio>

#include "core/cluster_manager.h"
#include "sim/engine.h"

namespace ebbflow::sim {

std::string Engine::node_name(int n) const { return core::make_node_name("sim", core::NodeType::kDynamic, "cr", n + 1); }

std::string Engine::instance_id(int64_t seq) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "i-%017llx", static_cast<unsigned long long>(seq));
  return buf;
}

std::string Engine::instance_ip(int64_t seq) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "10.%lld.%lld.%lld", static_cast<long long>((seq >> 16) & 255),
                static_cast<long long>((seq >> 8) & 255), static_cast<long long>(seq & 255));
  return buf;
}

void Engine::run_clustermgtd() {
  std::vector<int> members(attention_.begin(), attention_.end());
  // A failed resume may start an insufficient-capacity period, which acts on power-saved nodes.
  bool any_down = false;
  for (int n : members) any_down = any_down || nodes_[n].state == NodeState::kDown;
  if (any_down || !manager_state_.insufficient_capacity.empty())
    members.insert(members.end(), saved_.begin(), saved_.end());
  if (members.empty() && manager_state_.insufficient_capacity.empty()) return;
  core::ClusterSnapshot snap;
  snap.now = now_;
  snap.partitions = {{"sim", "UP"}};
  for (int n : members) {
    const SimNode& node = nodes_[n];
    core::SlurmNode sn;
    sn.name = node_name(n);
    sn.queue = "sim";
    sn.compute_resource = "cr";
    sn.type = core::NodeType::kDynamic;
    sn.partitions = {"sim"};
    sn.addr = sn.hostname = sn.name;
    sn.reason = node.reason;
    switch (node.state) {
      case NodeState::kPoweringDown: sn.flags = core::kIdle | core::kCloud | core::kPoweringDown; break;
      case NodeState::kDown: sn.flags = core::kDown | core::kCloud | core::kPoweredDown; break;
      default: sn.flags = core::kIdle | core::kCloud | core::kPoweredDown; break;
    }
    sn.state_string = core::node_state_to_string(sn.flags);
    if (node.instance >= 0) {
      sn.addr = instance_ip(node.instance);
      core::CloudInstance ci;
      ci.id = instance_id(node.instance);
      ci.private_ip = sn.addr;
      ci.all_private_ips = {sn.addr};
      ci.instance_type = s_.instance_type;
      ci.state = "running";
      ci.launch_time = node.launch_time;
      ci.node_name_tag = sn.name;
      snap.instances.push_back(std::move(ci));
    }
    snap.nodes.push_back(std::move(sn));
  }
  core::Plan plan = core::decide_iteration(snap, manager_state_, manager_settings_);
  ++result_.core_calls;
  manager_state_ = std::move(plan.next_state);
  apply(plan);
}

void Engine::apply(const core::Plan& plan) {
  auto index_of = [](const std::string& name) {
    auto parsed = core::parse_node_name(name);
    return parsed ? parsed->index - 1 : -1;
  };
  for (const auto& a : plan.actions) {
    switch (a.kind) {
      case core::ActionKind::kTerminateInstances:
        result_.api_calls += static_cast<int64_t>((a.instance_ids.size() + 999) / 1000);
        for (const auto& id : a.instance_ids) {
          auto it = node_of_instance_.find(id);
          if (it != node_of_instance_.end()) terminate(it->second);
        }
        break;
      case core::ActionKind::kReleaseIdleNodes:  // the warm pool, when the manager runs it
        for (const auto& name : a.node_names) {
          int n = index_of(name);
          if (n >= 0 && nodes_[n].state == NodeState::kIdle) power_down(n);
        }
        break;
      case core::ActionKind::kPowerDownNodes:
        for (const auto& name : a.node_names) {
          int n = index_of(name);
          if (n >= 0 && (nodes_[n].state == NodeState::kDown || nodes_[n].state == NodeState::kIdle)) {
            if (nodes_[n].instance >= 0) terminate(n);
            power_down(n);
          }
        }
        break;
      case core::ActionKind::kSetNodesDown:
        for (const auto& name : a.node_names) {
          int n = index_of(name);
          if (n < 0 || nodes_[n].state != NodeState::kSaved) continue;
          auto it = std::find(saved_.begin(), saved_.end(), n);
          if (it != saved_.end()) saved_.erase(it);
          nodes_[n].state = NodeState::kDown;
          nodes_[n].reason = a.reason;
          ++nodes_[n].gen;
          attention_.insert(n);
        }
        break;
      default:
        break;  // addresses are reset with the termination; no other action arises in the model
    }
  }
}

}  // namespace ebbflow::sim
