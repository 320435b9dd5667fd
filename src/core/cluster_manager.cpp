#include "core/cluster_manager.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace ebbflow::core {
namespace {

// Per-node facts computed once per iteration.
struct NodeView {
  const SlurmNode* node = nullptr;
  const CloudInstance* instance = nullptr;
  bool addr_set = false;         // node->is_nodeaddr_set(), computed once (a string comparison)
  bool backing_valid = true;     // false: NodeAddr points at an instance that is gone
  bool partition_inactive = false;
  bool failing_health = false;
  const char* health_rule = "";  // "ec2_health_check" | "scheduled_events_check"
  bool being_replaced = false;   // static node inside its replacement grace window
  bool replacement_timed_out = false;
  bool handled = false;          // already acted on this iteration (power-saving clean-up)
};

// "10.1.2.3" -> 0x0a010203 when the text is canonical dotted-decimal IPv4 (four parts, 0-255, no
// leading zeros, nothing else), so that two addresses are equal exactly when their numbers are.
std::optional<uint32_t> canonical_ipv4(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return std::nullopt;
  uint32_t out = 0;
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    size_t start = i;
    uint32_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + static_cast<uint32_t>(s[i++] - '0');
    if (i == start || v > 255 || (s[start] == '0' && i - start > 1)) return std::nullopt;
    out = (out << 8) | v;
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

// Sorts (key << 32 | payload) entries by key, keeping the order of equal keys (LSD radix sort,
// four 8-bit passes over the key). Sequential passes: at 100k nodes a hash table's random probes
// cost a cache and TLB miss each, which under nested paging was most of decide_iteration.
void radix_sort_by_key(std::vector<uint64_t>& v) {
  std::vector<uint64_t> tmp(v.size());
  for (int shift = 32; shift < 64; shift += 8) {
    size_t count[257] = {};
    for (uint64_t x : v) ++count[((x >> shift) & 0xff) + 1];
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (uint64_t x : v) tmp[count[(x >> shift) & 0xff]++] = x;
    v.swap(tmp);
  }
}

// The instance backing each node, matched by address: NodeAddr equals any private IP of the
// instance; when instances share an address the later one wins (as a map assignment would).
// Canonical IPv4 addresses (nearly all) are matched as 32-bit numbers by sorting both sides and
// merging; anything else (names, IPv6) through a small string map.
std::vector<const CloudInstance*> match_instances(const std::vector<SlurmNode>& nodes,
                                                  const std::vector<bool>& addr_set,
                                                  const std::vector<CloudInstance>& instances) {
  std::vector<const CloudInstance*> out(nodes.size(), nullptr);
  std::vector<uint64_t> inst_keys, node_keys;
  inst_keys.reserve(instances.size() + instances.size() / 4);
  std::unordered_map<std::string_view, uint32_t> other;
  auto add = [&](std::string_view addr, uint32_t i) {
    if (auto key = canonical_ipv4(addr)) inst_keys.push_back(uint64_t{*key} << 32 | i);
    else other[addr] = i;
  };
  constexpr size_t kAhead = 16;  // each instance's IP list is its own heap block: fetch ahead
  for (size_t i = 0; i < instances.size(); ++i) {
    if (i + kAhead < instances.size()) __builtin_prefetch(instances[i + kAhead].all_private_ips.data());
    add(instances[i].private_ip, static_cast<uint32_t>(i));
    for (const auto& ip : instances[i].all_private_ips) add(ip, static_cast<uint32_t>(i));
  }
  node_keys.reserve(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (!addr_set[n]) continue;
    if (auto key = canonical_ipv4(nodes[n].addr)) {
      node_keys.push_back(uint64_t{*key} << 32 | n);
    } else if (auto it = other.find(nodes[n].addr); it != other.end()) {
      out[n] = &instances[it->second];
    }
  }
  radix_sort_by_key(inst_keys);
  radix_sort_by_key(node_keys);
  size_t i = 0;
  for (uint64_t nk : node_keys) {
    const uint64_t key = nk >> 32;
    while (i < inst_keys.size() && (inst_keys[i] >> 32) < key) ++i;
    size_t last = i;  // the last entry of the run of equal keys
    while (last < inst_keys.size() && (inst_keys[last] >> 32) == key) ++last;
    if (last > i) out[nk & 0xffffffffu] = &instances[inst_keys[last - 1] & 0xffffffffu];
  }
  return out;
}

class Iteration {
 public:
  Iteration(const ClusterSnapshot& snap, const ManagerState& state, const ManagerSettings& settings)
      : snap_(snap), settings_(settings) {
    plan_.next_state = state;
    // A record stamped "in the future" means this host's clock stepped back since: restart it
    // now, so a step back of a day delays a timeout by at most the timeout, not by the day.
    for (auto& [name, since] : plan_.next_state.replacing) since = std::min(since, snap_.now);
    for (auto& [key, ice] : plan_.next_state.insufficient_capacity) ice.since = std::min(ice.since, snap_.now);
  }

  Plan run() {
    ManagerState& st = plan_.next_state;
    if (st.fleet == FleetStatus::kStopRequested || st.fleet == FleetStatus::kStopped) {
      stop_fleet();
      return std::move(plan_);
    }
    if (st.fleet == FleetStatus::kStartRequested) start_fleet();
    index();
    clean_inactive_partitions();
    health_checks();
    update_replacement_set();
    handle_powering_down();
    find_and_handle_unhealthy();
    handle_insufficient_capacity();
    protected_mode();
    terminate_orphans();
    release_idle_nodes();
    return std::move(plan_);
  }

 private:
  void add(ActionKind kind, std::string rule, std::string reason, std::vector<std::string> nodes,
           std::vector<std::string> instances = {}) {
    if (nodes.empty() && instances.empty()) return;
    Action a{kind, std::move(rule), std::move(reason), std::move(nodes), std::move(instances), "", ""};
    plan_.actions.push_back(std::move(a));
  }
  void note(std::string rule, std::string node, std::string message) {
    plan_.notes.push_back({std::move(rule), std::move(node), std::move(message)});
  }

  // --- fleet stop / start -------------------------------------------------------------------
  void stop_fleet() {
    for (const auto& p : snap_.partitions) {
      if (is_managed_partition(p.name) && p.state != "INACTIVE")
        plan_.actions.push_back({ActionKind::kSetPartitionState, "fleet-stop", reasons::kStoppingCluster, {}, {},
                                 p.name, "INACTIVE"});
    }
    std::vector<std::string> to_reset;
    for (const auto& n : snap_.nodes)
      if (n.is_nodeaddr_set() || !(n.is_power() || n.is_powering_down() || n.has(kPoweredDown)))
        to_reset.push_back(n.name);
    add(ActionKind::kPowerDownNodes, "fleet-stop", reasons::kStoppingCluster, to_reset);
    std::vector<std::string> ids;
    for (const auto& i : snap_.instances) ids.push_back(i.id);
    add(ActionKind::kTerminateInstances, "fleet-stop", reasons::kStoppingCluster, {}, ids);
    ManagerState& st = plan_.next_state;
    st.fleet = FleetStatus::kStopped;
    st.replacing.clear();
    st.missing_instance.clear();
  }

  void start_fleet() {
    ManagerState& st = plan_.next_state;
    for (const auto& p : snap_.partitions) {
      if (is_managed_partition(p.name) && p.state != "UP")
        plan_.actions.push_back({ActionKind::kSetPartitionState, "fleet-start", "starting cluster", {}, {}, p.name, "UP"});
    }
    // Nodes of the partitions that were inactive are power-saved again so that they start clean
    // (reference section 13, #3993: stale NodeAddr kept protected mode from being left).
    std::set<std::string> inactive;
    for (const auto& p : snap_.partitions)
      if (p.state == "INACTIVE") inactive.insert(p.name);
    std::vector<std::string> reset;
    for (const auto& n : snap_.nodes)
      if (inactive.count(n.queue) && (!n.is_power() || n.is_nodeaddr_set())) reset.push_back(n.name);
    add(ActionKind::kPowerDownNodes, "fleet-start", "starting cluster", reset);
    st.fleet = FleetStatus::kRunning;
    st.protected_partitions.clear();
    st.bootstrap_failures.clear();
    st.insufficient_capacity.clear();
    started_ = true;
  }

  bool is_managed_partition(const std::string& name) const {
    for (const auto& q : settings_.queues)
      if (q.name == name) return true;
    return false;
  }

  // --- matching nodes and instances ---------------------------------------------------------
  void index() {
    // NodeAddr != NodeName, once per node (for a node without address both are heap strings).
    std::vector<bool> addr_set(snap_.nodes.size());
    for (size_t k = 0; k < snap_.nodes.size(); ++k) {
      if (k + 8 < snap_.nodes.size()) {  // the comparison reads both heap strings: fetch ahead
        __builtin_prefetch(snap_.nodes[k + 8].name.data());
        __builtin_prefetch(snap_.nodes[k + 8].addr.data());
      }
      addr_set[k] = snap_.nodes[k].is_nodeaddr_set();
    }
    const std::vector<const CloudInstance*> backing = match_instances(snap_.nodes, addr_set, snap_.instances);
    // Read in instance order, so that matching a node need not visit its instance.
    std::vector<bool> stopped(snap_.instances.size());
    for (size_t i = 0; i < snap_.instances.size(); ++i)
      stopped[i] = snap_.instances[i].state == "stopping" || snap_.instances[i].state == "stopped";
    std::unordered_set<std::string_view> inactive;
    for (const auto& p : snap_.partitions)
      if (p.state == "INACTIVE") inactive.insert(p.name);

    ManagerState& st = plan_.next_state;
    matched_.assign(snap_.instances.size(), false);
    views_.reserve(snap_.nodes.size());
    for (size_t k = 0; k < snap_.nodes.size(); ++k) {
      const SlurmNode& n = snap_.nodes[k];
      NodeView v;
      v.node = &n;
      v.addr_set = addr_set[k];
      v.partition_inactive = !started_ && inactive.count(n.queue) > 0;
      if (addr_set[k]) {
        if (const CloudInstance* found = backing[k]) {
          const size_t index = static_cast<size_t>(found - snap_.instances.data());
          v.instance = found;
          matched_[index] = true;
          if (!st.missing_instance.empty()) st.missing_instance.erase(n.name);
          // A stopped instance cannot run jobs (reference 13, #2117): the node has no usable backing.
          if (stopped[index]) {
            v.backing_valid = false;
            note("stopped-instance", n.name, "instance " + v.instance->id + " is " + v.instance->state);
          }
        } else {
          // The cloud's list is eventually consistent: tolerate a few iterations before
          // declaring the instance gone (reference 13, #7265).
          auto& entry = st.missing_instance[n.name];
          if (entry.first != n.addr) entry = {n.addr, 0};
          if (entry.second >= settings_.ec2_instance_missing_max_count) {
            v.backing_valid = false;
            st.missing_instance.erase(n.name);
          } else {
            entry.second += 1;
            note("missing-instance", n.name,
                 "no instance has address " + n.addr + " (seen missing " + std::to_string(entry.second) + " time(s))");
          }
        }
      } else if (!st.missing_instance.empty()) {
        st.missing_instance.erase(n.name);
      }
      views_.push_back(v);
    }
    // Forget counters of nodes that no longer exist (the set is only built when needed).
    if (!st.missing_instance.empty()) {
      std::unordered_set<std::string_view> names;
      names.reserve(snap_.nodes.size());
      for (const auto& n : snap_.nodes) names.insert(n.name);
      for (auto it = st.missing_instance.begin(); it != st.missing_instance.end();)
        it = names.count(it->first) ? std::next(it) : st.missing_instance.erase(it);
    }
  }

  // --- inactive partitions ------------------------------------------------------------------
  void clean_inactive_partitions() {
    std::vector<std::string> ids, reset;
    for (auto& v : views_) {
      if (!v.partition_inactive) continue;
      const SlurmNode& n = *v.node;
      if (v.instance) ids.push_back(v.instance->id);
      bool needs_reset = n.is_static() ? v.addr_set
                                       : (v.addr_set || !(n.is_power() || n.is_powering_down() || n.is_down()));
      if (needs_reset) reset.push_back(n.name);
    }
    add(ActionKind::kTerminateInstances, "inactive-partition", reasons::kInactivePartition, {}, ids);
    add(ActionKind::kResetNodesDown, "inactive-partition", reasons::kInactivePartition, reset);
  }

  // --- cloud health checks and scheduled events ---------------------------------------------
  void health_checks() {
    if (!snap_.health || (settings_.disable_ec2_health_check && settings_.disable_scheduled_event_health_check)) return;
    std::unordered_map<std::string_view, const InstanceHealth*> by_id;
    for (const auto& h : *snap_.health) by_id.emplace(h.instance_id, &h);
    if (by_id.empty()) return;
    // The instances are walked in order (not through each node: a cache miss per node at 100k).
    std::vector<const InstanceHealth*> health_of(snap_.instances.size(), nullptr);
    for (size_t i = 0; i < snap_.instances.size(); ++i) {
      if (i + 16 < snap_.instances.size()) __builtin_prefetch(snap_.instances[i + 16].id.data());
      auto it = by_id.find(snap_.instances[i].id);
      if (it != by_id.end()) health_of[i] = it->second;
    }
    std::vector<std::string> drain_ec2, drain_event;
    for (auto& v : views_) {
      if (v.partition_inactive || !v.instance) continue;
      const InstanceHealth* found = health_of[static_cast<size_t>(v.instance - snap_.instances.data())];
      if (!found) continue;
      const InstanceHealth& h = *found;
      const int64_t timeout = settings_.health_check_timeout;
      bool ec2_failed = !settings_.disable_ec2_health_check &&
                        ((h.instance_impaired && snap_.cloud_now() - h.instance_impaired_since >= timeout) ||
                         (h.system_impaired && snap_.cloud_now() - h.system_impaired_since >= timeout));
      bool event_failed = !settings_.disable_scheduled_event_health_check && !h.scheduled_events.empty();
      if (!ec2_failed && !event_failed) continue;
      const SlurmNode& n = *v.node;
      // Grace after a reboot or a fresh slurmd start (reference 13, #4751).
      if (n.has(kRebootIssued) || n.has(kRebootRequested)) continue;
      // slurmd's start time is the compute node's clock, which keeps AWS time like the cloud's.
      if (n.slurmd_start_time &&
          snap_.cloud_now() - *n.slurmd_start_time < settings_.health_check_timeout_after_slurmdstarttime)
        continue;
      v.failing_health = true;
      v.health_rule = ec2_failed ? "ec2_health_check" : "scheduled_events_check";
      // Draining a node that runs jobs lets them finish; an idle or still-booting node is replaced
      // straight away below (Slurm ignores DRAIN on a powering-up node: reference 13, #2340).
      if (n.has_job() && !n.is_powering_up() && !n.has(kDrain))
        (ec2_failed ? drain_ec2 : drain_event).push_back(n.name);
    }
    add(ActionKind::kDrainNodes, "ec2-health-check", reasons::kEc2HealthCheck, drain_ec2);
    add(ActionKind::kDrainNodes, "scheduled-event", reasons::kScheduledEvent, drain_event);
  }

  // --- static nodes under replacement -------------------------------------------------------
  void update_replacement_set() {
    ManagerState& st = plan_.next_state;
    if (st.replacing.empty()) return;
    std::unordered_map<std::string_view, NodeView*> by_name;
    by_name.reserve(views_.size());
    for (auto& v : views_) by_name[v.node->name] = &v;
    std::vector<std::string> resume;
    for (auto it = st.replacing.begin(); it != st.replacing.end();) {
      auto f = by_name.find(it->first);
      if (f == by_name.end() || !f->second->node->is_static()) {
        it = st.replacing.erase(it);
        continue;
      }
      NodeView& v = *f->second;
      const SlurmNode& n = *v.node;
      if (n.is_up() && !n.is_powering_up() && v.instance) {
        note("static-replacement", n.name, "replacement finished: node is up on " + v.instance->id);
        it = st.replacing.erase(it);
        continue;
      }
      // The instance's launch time is the cloud's; without an instance yet, our own record.
      int64_t age = v.instance ? snap_.cloud_now() - v.instance->launch_time : snap_.now - it->second;
      // Compared with slurmd's start time below, which the compute node's clock took: in step with
      // the cloud's (both keep AWS time), not necessarily with this host's.
      int64_t launched = v.instance ? v.instance->launch_time : it->second;
      if (v.backing_valid && age < settings_.node_replacement_timeout) {
        v.being_replaced = true;
        // The new instance's slurmd registered, but Slurm keeps the node DOWN (we set it down to
        // requeue its jobs): return it to service. A DRAIN flag left from before the replacement
        // (e.g. our own health-check drain; Slurm keeps it through `state=down`) is ours to clear
        // too when the reason is still our replacement reason: otherwise the replacement never
        // returns and is relaunched every node_replacement_timeout (found by the fault tests).
        bool drain_is_ours = !n.has(kDrain) || n.reason.rfind(reasons::kStaticReplacement, 0) == 0;
        if (v.instance && n.is_down() && drain_is_ours && n.slurmd_start_time &&
            *n.slurmd_start_time >= launched - 5)
          resume.push_back(n.name);
      } else if (v.backing_valid && v.instance) {
        v.replacement_timed_out = true;
      }
      if (v.failing_health) {
        // A replacement that fails its health check is replaced again at once.
        v.being_replaced = false;
        it = st.replacing.erase(it);
        continue;
      }
      ++it;
    }
    add(ActionKind::kResumeNodes, "static-replacement", "replacement instance registered", resume);
  }

  // --- Slurm power saving: terminate instances of powered-down nodes ------------------------
  void handle_powering_down() {
    std::vector<std::string> reset, ids;
    for (auto& v : views_) {
      if (v.partition_inactive || v.being_replaced) continue;
      // SlurmNode::is_powering_down_with_nodeaddr(), with the address comparison done once.
      if (!((v.node->is_power() || v.node->is_powering_down()) && v.addr_set)) continue;
      reset.push_back(v.node->name);
      if (v.instance) ids.push_back(v.instance->id);
      v.handled = true;
    }
    add(ActionKind::kResetNodeAddrs, "power-saving", "node powered down by Slurm", reset);
    add(ActionKind::kTerminateInstances, "power-saving", "node powered down by Slurm", {}, ids);
  }

  // --- unhealthy nodes ----------------------------------------------------------------------
  bool state_healthy(const NodeView& v) const {
    const SlurmNode& n = *v.node;
    if (n.is_rebooting()) return true;
    if (n.is_drained() && !n.has(kPowerDown) && settings_.terminate_drain_nodes)
      return n.is_static() && v.being_replaced;
    if (n.is_down() && settings_.terminate_down_nodes) return n.is_static() && v.being_replaced;
    return true;
  }

  std::string unhealthy_why(const NodeView& v) const {
    const SlurmNode& n = *v.node;
    if (n.is_static() && !v.addr_set) return "static node has no instance";
    if (!v.backing_valid) return "instance at " + n.addr + " is gone";
    if (v.replacement_timed_out) return "replacement did not come up within node_replacement_timeout";
    if (v.failing_health && !n.has_job()) return std::string("instance failing ").append(v.health_rule);
    return "Slurm state " + n.state_string + (n.reason.empty() ? "" : " (" + n.reason + ")");
  }

  bool healthy(const NodeView& v) const {
    const SlurmNode& n = *v.node;
    if (!v.backing_valid) return false;
    if (n.is_static() && !v.addr_set) return false;
    if (v.replacement_timed_out) return false;
    // An idle node failing cloud health checks, or one still booting, is replaced directly.
    if (v.failing_health && (!n.has_job() || n.is_powering_up())) return false;
    return state_healthy(v);
  }

  bool is_bootstrap_failure(const NodeView& v) const {
    const SlurmNode& n = *v.node;
    if (n.is_static()) {
      bool in_set = plan_.next_state.replacing.count(n.name) > 0;
      return (in_set && !v.backing_valid) || v.replacement_timed_out || (v.failing_health && in_set);
    }
    return ((n.is_configuring_job() || n.is_powering_up_idle()) && !v.backing_valid) ||
           (n.is_resume_failed() && v.addr_set) || (v.failing_health && n.is_powering_up()) ||
           (n.has(kInvalidReg) && !n.has(kPowerDown) && !n.is_powering_down());
  }

  void find_and_handle_unhealthy() {
    ManagerState& st = plan_.next_state;
    std::vector<std::string> dyn_names, dyn_ids, static_names, static_ids;
    for (auto& v : views_) {
      if (v.partition_inactive || v.handled) continue;
      const SlurmNode& n = *v.node;
      if (is_bootstrap_failure(v)) bootstrap_failed_.push_back(&v);
      if (healthy(v)) continue;
      if (!n.is_static() && n.is_ice() && settings_.insufficient_capacity_timeout > 0) {
        ice_nodes_[{n.queue, n.compute_resource}].push_back(&v);
        continue;
      }
      note(n.is_static() ? "static-replacement" : "unhealthy-dynamic", n.name, "unhealthy: " + unhealthy_why(v));
      if (n.is_static()) {
        static_names.push_back(n.name);
        if (v.instance) static_ids.push_back(v.instance->id);
      } else {
        // A power-saved node with no address whose only problem is a DOWN flag set by resume is
        // simply returned to power saving; there is no instance to terminate.
        dyn_names.push_back(n.name);
        if (v.instance) dyn_ids.push_back(v.instance->id);
      }
    }
    add(ActionKind::kTerminateInstances, "unhealthy-dynamic", reasons::kSchedulerHealthCheck, {}, dyn_ids);
    add(ActionKind::kPowerDownNodes, "unhealthy-dynamic", reasons::kSchedulerHealthCheck, dyn_names);

    // Static capacity: set DOWN (requeues jobs, keeps Slurm from scheduling or resuming it),
    // terminate what is left of the old instance, launch a new one.
    std::vector<std::string> launch;
    for (const auto& name : static_names) {
      auto parsed = parse_node_name(name);
      if (parsed && st.insufficient_capacity.count({parsed->queue, parsed->compute_resource})) {
        note("insufficient-capacity", name, "static node not relaunched while its compute resource is disabled");
        continue;
      }
      if (parsed && st.protected_partitions.count(parsed->queue)) continue;
      launch.push_back(name);
    }
    add(ActionKind::kResetNodesDown, "static-replacement", reasons::kStaticReplacement, static_names);
    add(ActionKind::kTerminateInstances, "static-replacement", reasons::kStaticReplacement, {}, static_ids);
    add(ActionKind::kLaunchNodes, "static-replacement", reasons::kStaticReplacement, launch);
    for (const auto& name : launch) st.replacing[name] = snap_.now;
  }

  // --- insufficient capacity fail-over ------------------------------------------------------
  void handle_insufficient_capacity() {
    if (settings_.insufficient_capacity_timeout <= 0) return;
    ManagerState& st = plan_.next_state;
    for (const auto& [key, nodes] : ice_nodes_) {
      if (!st.insufficient_capacity.count(key)) {
        st.insufficient_capacity[key] = {snap_.now, nodes.front()->node->error_code()};
        note("insufficient-capacity", "", "disabling " + key.first + "/" + key.second + " for " +
                                              std::to_string(settings_.insufficient_capacity_timeout) + " s after " +
                                              nodes.front()->node->error_code());
      }
    }
    // Expiry is evaluated every iteration (the original only looked when it saw ICE nodes).
    std::vector<std::string> enable;
    for (auto it = st.insufficient_capacity.begin(); it != st.insufficient_capacity.end();) {
      if (snap_.now - it->second.since < settings_.insufficient_capacity_timeout) {
        ++it;
        continue;
      }
      for (const auto& v : views_)
        if (v.node->queue == it->first.first && v.node->compute_resource == it->first.second && !v.node->is_static() &&
            (v.node->is_ice() || v.node->reason.find("insufficient capacity") != std::string::npos))
          enable.push_back(v.node->name);
      it = st.insufficient_capacity.erase(it);
    }
    add(ActionKind::kPowerDownNodes, "insufficient-capacity", reasons::kIceEnabling, enable);
    // While disabled, the compute resource's power-saved nodes are set DOWN so Slurm schedules
    // elsewhere (other compute resources or queues).
    std::map<std::string, std::vector<std::string>> by_code;
    if (!st.insufficient_capacity.empty()) {
      // Nodes come grouped by compute resource: the map is looked up once per run of nodes.
      const SlurmNode* last = nullptr;
      const IceRecord* last_record = nullptr;
      for (const auto& v : views_) {
        const SlurmNode& n = *v.node;
        if (n.is_static() || !n.is_power() || n.is_down()) continue;
        if (!last || n.queue != last->queue || n.compute_resource != last->compute_resource) {
          auto it = st.insufficient_capacity.find({n.queue, n.compute_resource});
          last = &n;
          last_record = it == st.insufficient_capacity.end() ? nullptr : &it->second;
        }
        if (last_record && !v.addr_set) by_code[last_record->error_code].push_back(n.name);
      }
    }
    for (auto& [code, names] : by_code)
      add(ActionKind::kSetNodesDown, "insufficient-capacity",
          "(Code:" + code + ")Temporarily disabling node due to insufficient capacity", names);
  }

  // --- protected mode -----------------------------------------------------------------------
  void protected_mode() {
    if (settings_.protected_failure_count <= 0) return;
    ManagerState& st = plan_.next_state;
    // A compute resource with a healthy, online node proves the partition can bootstrap nodes.
    std::set<std::string> online_partitions;
    const std::string* last_online = nullptr;  // nodes come grouped by queue: skip repeated inserts
    for (const auto& v : views_)
      if (v.instance && v.node->is_online() && healthy(v) && (!last_online || *last_online != v.node->queue)) {
        online_partitions.insert(v.node->queue);
        last_online = &v.node->queue;
      }
    for (auto it = st.bootstrap_failures.begin(); it != st.bootstrap_failures.end();)
      it = online_partitions.count(it->first.first) ? st.bootstrap_failures.erase(it) : std::next(it);
    for (const NodeView* v : bootstrap_failed_) {
      st.bootstrap_failures[{v->node->queue, v->node->compute_resource}] += 1;
      note("protected-mode", v->node->name, "bootstrap failure counted: " + unhealthy_why(*v));
    }
    std::map<std::string, int> per_partition;
    for (const auto& [key, count] : st.bootstrap_failures) per_partition[key.first] += count;
    std::set<std::string> with_running_job;
    const std::string* last_running = nullptr;
    for (const auto& v : views_)
      if (v.node->is_running_job() && (!last_running || *last_running != v.node->queue)) {
        with_running_job.insert(v.node->queue);
        last_running = &v.node->queue;
      }
    for (const auto& [partition, count] : per_partition) {
      if (count < settings_.protected_failure_count || st.protected_partitions.count(partition)) continue;
      bool inactive = false;
      for (const auto& p : snap_.partitions)
        if (p.name == partition && p.state == "INACTIVE") inactive = true;
      if (inactive) continue;
      if (with_running_job.count(partition)) {
        note("protected-mode", "", "partition " + partition + " reached " + std::to_string(count) +
                                       " bootstrap failures but runs jobs: not disabled");
        continue;
      }
      std::string why = std::to_string(count) + " node bootstrap failures (protected_failure_count " +
                        std::to_string(settings_.protected_failure_count) + ")";
      st.protected_partitions[partition] = why;
      plan_.actions.push_back({ActionKind::kSetPartitionState, "protected-mode",
                               "protected mode: " + why + "; run `ebbflow cluster start` after fixing the cause", {},
                               {}, partition, "INACTIVE"});
    }
  }

  // --- warm pool: idle dynamic nodes beyond it are released ----------------------------------
  // Candidates: healthy dynamic nodes, IDLE without any job, drain, power or boot flag, on a live
  // instance, not acted on this iteration. Reuse order: Slurm gives an idle node to the next job
  // most recently idle first, so rank by LastBusyTime, newest first (no LastBusyTime: idle since
  // now). A job Slurm allocates between this read and the update keeps the node: a plain
  // POWER_DOWN waits for the node's jobs (slurmctld node_mgr.c), so the rule can cost a boot,
  // never a job.
  void release_idle_nodes() {
    if (!settings_.warm_pool || snap_.nodes.empty()) return;
    std::vector<std::pair<int64_t, const NodeView*>> idle;
    for (const auto& v : views_) {
      const SlurmNode& n = *v.node;
      if (n.is_static() || v.handled || v.failing_health || v.partition_inactive || !v.instance || !v.backing_valid)
        continue;
      if (!n.has(kIdle) || n.has_job() ||
          n.has(kDrain | kDown | kPowerDown | kPoweringDown | kPoweredDown | kPoweringUp | kNotResponding |
                kRebootRequested | kRebootIssued | kDrained | kDraining | kFail | kInvalidReg))
        continue;
      idle.push_back({std::min(n.last_busy_time.value_or(snap_.now), snap_.now), &v});
    }
    if (idle.empty()) return;
    std::stable_sort(idle.begin(), idle.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<int64_t> since;
    since.reserve(idle.size());
    for (const auto& [t, v] : idle) since.push_back(t);
    std::vector<std::string> release;
    for (size_t i : choose_nodes_to_release(since, snap_.arrivals, snap_.now, *settings_.warm_pool))
      release.push_back(idle[i].second->node->name);
    std::sort(release.begin(), release.end());
    const ScaleDownSettings& rule = *settings_.warm_pool;
    std::string scaled;
    char factor[32];
    std::snprintf(factor, sizeof factor, "%.2f", rule.pool_scale);
    if (rule.feedback && std::string_view(factor) != "1.00")
      scaled = std::string(", scaled x") + factor + " to hold boot waits below the idle timer's";
    if (still_learning(snap_.now, rule))
      scaled += "; still learning the demand, so every idle node was kept ScaledownIdletime";
    add(ActionKind::kReleaseIdleNodes, "warm-pool",
        "idle beyond the warm pool (" + std::to_string(warm_pool_size(snap_.arrivals, snap_.now, rule)) +
            " nodes kept for the demand of the last hour" + scaled + ")",
        release);
  }

  // --- orphaned instances -------------------------------------------------------------------
  void terminate_orphans() {
    std::vector<std::string> ids;
    for (const auto& inst : snap_.instances) {
      if (matched_[static_cast<size_t>(&inst - snap_.instances.data())]) continue;
      if (snap_.cloud_now() - inst.launch_time < settings_.orphaned_instance_timeout) continue;
      ids.push_back(inst.id);
      note("orphaned-instance", inst.node_name_tag, "instance " + inst.id + " has no Slurm node");
    }
    add(ActionKind::kTerminateInstances, "orphaned-instance", "instance belongs to no Slurm node", {}, ids);
  }

  const ClusterSnapshot& snap_;
  const ManagerSettings& settings_;
  Plan plan_;
  std::vector<NodeView> views_;
  std::vector<bool> matched_;  // by index in snap_.instances: the instance backs some node
  std::vector<const NodeView*> bootstrap_failed_;
  std::map<QueueCr, std::vector<const NodeView*>> ice_nodes_;
  bool started_ = false;
};

}  // namespace

Plan decide_iteration(const ClusterSnapshot& snapshot, const ManagerState& state, const ManagerSettings& settings) {
  if (settings.disable_all_cluster_management) {
    Plan p;
    p.next_state = state;
    p.notes.push_back({"disabled", "", "disable_all_cluster_management is set: no action"});
    return p;
  }
  return Iteration(snapshot, state, settings).run();
}

}  // namespace ebbflow::core
