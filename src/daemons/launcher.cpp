#include "daemons/launcher.h"

#include <random>

#include "core/slurm_node.h"

namespace ebbflow::daemons {

std::string new_client_token() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string t = "ebbflow-";
  for (int i = 0; i < 32; ++i) t += hex[rd() % 16];
  return t;
}

aws::CreateFleetRequest create_fleet_request(const config::SlurmQueue& queue, const config::ComputeResource& cr,
                                             const std::string& launch_template, int count, bool all_or_nothing) {
  aws::CreateFleetRequest req;
  req.launch_template_name = launch_template;
  req.launch_template_version = "$Latest";
  const bool spot = cr.capacity_type == "spot";
  const bool prioritized = cr.allocation_strategy == "prioritized";
  std::vector<std::string> subnets = queue.subnet_ids;
  if (subnets.empty()) subnets.push_back("");  // the launch template's subnet
  for (size_t t = 0; t < cr.instance_types.size(); ++t) {
    for (const auto& subnet : subnets) {
      aws::FleetOverride o;
      o.instance_type = cr.instance_types[t];
      o.subnet_id = subnet;
      if (spot) o.max_price = cr.spot_price;
      if (prioritized) o.priority = static_cast<double>(t);
      req.overrides.push_back(std::move(o));
    }
  }
  req.total_target_capacity = count;
  req.default_target_capacity_type = cr.capacity_type;
  req.allocation_strategy = cr.allocation_strategy;
  req.single_instance_type = cr.instance_types.size() == 1;
  req.single_availability_zone = queue.subnet_ids.size() <= 1;
  if (req.single_instance_type || req.single_availability_zone) req.min_target_capacity = all_or_nothing ? count : 1;
  req.use_capacity_reservations_first = !spot;
  req.type = "instant";
  return req;
}

std::string fleet_failure_code(const std::vector<aws::FleetError>& errors, size_t launched) {
  for (const auto& e : errors)
    if (core::is_insufficient_capacity_code(e.code)) return e.code;
  for (const auto& e : errors)
    if (!e.code.empty()) return e.code;
  return launched == 0 ? "InsufficientInstanceCapacity" : "LimitedInstanceCapacity";
}

namespace {

void fail(LaunchResult& r, const std::string& code, const std::vector<std::string>& names) {
  auto& v = r.failed[code];
  v.insert(v.end(), names.begin(), names.end());
}

// What one launch call produced: the instances (with addresses), or the call's error; and the
// code for nodes left without an instance.
struct BatchLaunch {
  Result<std::vector<aws::Ec2Instance>> instances = std::vector<aws::Ec2Instance>{};
  std::string shortfall_code;  // "" = the RunInstances rule (Insufficient/LimitedInstanceCapacity)
  std::string detail;          // for the event log: the fleet's errors
  std::string api = "run-instances";
};

// CreateFleet, then DescribeInstances for the launched ids until each has an address (up to 5
// attempts), as ParallelCluster's fleet manager does. Instances that never show an address are
// terminated and count as not launched.
BatchLaunch launch_with_fleet(aws::Ec2Api& ec2, const aws::CreateFleetRequest& req, const LaunchOptions& options,
                              bool enforce_all_or_nothing) {
  BatchLaunch out;
  out.api = "create-fleet";
  auto fleet = ec2.create_fleet(req);
  if (!fleet.ok()) {
    out.instances = fleet.error();
    return out;
  }
  for (const auto& e : fleet->errors) {
    out.detail += (out.detail.empty() ? "" : "; ") + e.code + " for " + e.launch_target.overrides.instance_type +
                  (e.launch_target.overrides.subnet_id.empty() ? "" : " in " + e.launch_target.overrides.subnet_id) +
                  (e.message.empty() ? "" : ": " + e.message);
  }
  std::vector<std::string> ids = fleet->instance_ids();
  std::vector<aws::Ec2Instance> ready;
  if (!ids.empty()) {
    std::map<std::string, aws::Ec2Instance> seen;
    for (int attempt = 0; attempt < 5 && seen.size() < ids.size(); ++attempt) {
      if (attempt > 0 && options.wait)
        options.wait(std::chrono::milliseconds(attempt == 1 ? 100 : 300 << (attempt - 2)));
      std::vector<std::string> missing;
      for (const auto& id : ids)
        if (!seen.count(id)) missing.push_back(id);
      auto described = ec2.describe_instances({}, missing);
      if (!described.ok()) continue;  // eventual consistency: InvalidInstanceID.NotFound at first
      for (auto& i : *described)
        if (!i.private_ip.empty()) seen.emplace(i.instance_id, std::move(i));
    }
    std::vector<std::string> unusable;
    for (const auto& id : ids) {
      auto it = seen.find(id);
      if (it != seen.end()) ready.push_back(std::move(it->second));
      else unusable.push_back(id);
    }
    if (!unusable.empty()) {
      (void)ec2.terminate_instances(unusable);
      out.detail += (out.detail.empty() ? "" : "; ") + std::to_string(unusable.size()) +
                    " instance(s) never showed an address and were terminated";
    }
  }
  out.shortfall_code = fleet_failure_code(fleet->errors, ready.size());
  if (enforce_all_or_nothing && !ready.empty() && ready.size() < static_cast<size_t>(req.total_target_capacity)) {
    // EC2 could not be asked for MinTargetCapacity (several types and several subnets): give
    // back a short fleet at once, so all-or-nothing still means all or nothing.
    std::vector<std::string> back;
    for (const auto& i : ready) back.push_back(i.instance_id);
    (void)ec2.terminate_instances(back);
    out.detail += (out.detail.empty() ? "" : "; ") + std::string("all-or-nothing: terminated the ") +
                  std::to_string(back.size()) + " instance(s) of a short fleet";
    ready.clear();
  }
  if (ready.empty() && fleet->instances.empty() && fleet->errors.size() == 1) {
    // Nothing launched and exactly one error: the launch failed with that error (ParallelCluster
    // raises LaunchInstancesError(ErrorCode)).
    out.shortfall_code = fleet->errors.front().code;
  }
  out.instances = std::move(ready);
  return out;
}

}  // namespace

LaunchResult launch_and_bind(const ClusterContext& ctx, aws::Ec2Api& ec2, slurm::SlurmClient& slurm,
                             store::StateStore& store, const EventLog& events, const core::LaunchPlan& plan,
                             const LaunchOptions& options) {
  LaunchResult result;
  for (const auto& [code, names] : plan.rejected) fail(result, code, names);
  const std::string& cluster = ctx.runtime.name;
  for (const auto& batch : plan.batches) {
    const int64_t now = unix_now();
    // 1. Intent first, so a crash after RunInstances is recoverable through the token.
    store::LaunchIntent intent;
    auto pending = store.find_pending_intent(batch.queue, batch.compute_resource, batch.node_names);
    if (pending.ok() && pending->has_value()) {
      intent = **pending;
    } else {
      intent = {new_client_token(), batch.queue, batch.compute_resource, batch.node_names, now, "pending", {}};
      if (auto st = store.add_intent(intent); !st.ok()) {
        // Without a recorded intent a crash could launch twice: do not launch.
        fail(result, "StateStoreError", batch.node_names);
        continue;
      }
    }
    const aws::Tags instance_tags = {{kTagCluster, cluster},
                                     {kTagNodeType, "Compute"},
                                     {kTagQueue, batch.queue},
                                     {kTagComputeResource, batch.compute_resource}};
    const config::SlurmQueue* queue_cfg = ctx.config.find_queue(batch.queue);
    const config::ComputeResource* cr_cfg = ctx.config.find_compute_resource(batch.queue, batch.compute_resource);
    const std::string template_name = launch_template_name(cluster, batch.queue, batch.compute_resource);
    const int count = static_cast<int>(batch.node_names.size());
    BatchLaunch attempt;
    if (queue_cfg && cr_cfg && cr_cfg->uses_create_fleet()) {
      aws::CreateFleetRequest req = create_fleet_request(*queue_cfg, *cr_cfg, template_name, count, options.all_or_nothing);
      req.client_token = intent.client_token;
      req.instance_tags = instance_tags;
      if (count == 1) req.instance_tags[kTagNodeName] = batch.node_names.front();
      ++result.create_fleet_calls;
      attempt = launch_with_fleet(ec2, req, options, options.all_or_nothing && !req.min_target_capacity);
    } else {
      aws::RunInstancesRequest req;
      req.launch_template_name = template_name;
      req.instance_type = batch.instance_type;
      req.max_count = count;
      req.min_count = options.all_or_nothing ? req.max_count : 1;
      req.client_token = intent.client_token;
      req.instance_tags = instance_tags;
      if (queue_cfg && queue_cfg->subnet_ids.size() == 1) req.subnet_id = queue_cfg->subnet_ids.front();
      if (count == 1) req.instance_tags[kTagNodeName] = batch.node_names.front();
      ++result.run_instances_calls;
      attempt.instances = ec2.run_instances(req);
    }
    auto& launched = attempt.instances;
    if (!launched.ok()) {
      const Error& e = launched.error();
      // A timeout may have launched anyway: keep the intent pending so the same token is reused.
      if (e.kind != ErrorKind::kUnavailable) (void)store.finish_intent(intent.client_token, "failed", {});
      fail(result, e.code.empty() ? "Exception" : e.code, batch.node_names);
      events.write({now, options.component, "launch", attempt.api, e.describe(), batch.node_names, {}, "error"});
      continue;
    }
    if (launched->empty() && !attempt.shortfall_code.empty()) {
      // A fleet that launched nothing: its errors say why.
      (void)store.finish_intent(intent.client_token, "failed", {});
      fail(result, attempt.shortfall_code, batch.node_names);
      events.write({now, options.component, "launch", attempt.api,
                    attempt.shortfall_code + ": " + (attempt.detail.empty() ? "the fleet launched no instance" : attempt.detail),
                    batch.node_names, {}, "error"});
      continue;
    }
    std::vector<aws::Ec2Instance>& instances = *launched;
    size_t k = std::min(instances.size(), batch.node_names.size());
    std::vector<std::string> names(batch.node_names.begin(), batch.node_names.begin() + static_cast<long>(k));
    std::vector<std::string> addrs, ids;
    for (size_t i = 0; i < k; ++i) {
      addrs.push_back(instances[i].private_ip);
      ids.push_back(instances[i].instance_id);
    }
    // Extra instances (more than nodes: should not happen) are terminated at once.
    std::vector<std::string> extra;
    for (size_t i = k; i < instances.size(); ++i) extra.push_back(instances[i].instance_id);
    if (!extra.empty()) (void)ec2.terminate_instances(extra);

    // 2. Bind in Slurm, then tell each instance its node name.
    slurm::NodeUpdate bind;
    bind.names = names;
    bind.addrs = addrs;
    bind.hostnames = addrs;
    auto bound = slurm.update_nodes(bind, 500);
    if (!bound.ok()) {
      (void)ec2.terminate_instances(ids);
      (void)store.finish_intent(intent.client_token, "failed", ids);
      fail(result, "Exception", batch.node_names);
      events.write({now, options.component, "launch", "bind-nodes", bound.error().describe(), names, ids, "error"});
      continue;
    }
    std::vector<std::string> tagged_names;
    for (size_t i = 0; i < k; ++i) {
      if (batch.node_names.size() == 1) break;  // already tagged at launch
      auto st = ec2.create_tags({ids[i]}, {{kTagNodeName, names[i]}});
      if (!st.ok()) st = ec2.create_tags({ids[i]}, {{kTagNodeName, names[i]}});
      if (!st.ok())
        events.write({now, options.component, "launch", "create-tags", st.error().describe(), {names[i]}, {ids[i]},
                      "error"});
    }
    (void)store.finish_intent(intent.client_token, "done", ids);
    for (size_t i = 0; i < k; ++i) result.bound[names[i]] = ids[i];
    std::string types;
    for (size_t i = 0; i < k; ++i)
      if (types.find(instances[i].instance_type) == std::string::npos)
        types += (types.empty() ? "" : ",") + instances[i].instance_type;
    if (types.empty()) types = batch.instance_type;
    events.write({now, options.component, "launch", "launch-nodes",
                  "launched " + std::to_string(k) + " of " + std::to_string(batch.node_names.size()) + " " + types +
                      " for " + batch.queue + "/" + batch.compute_resource + " with " + attempt.api +
                      (attempt.detail.empty() ? "" : " (" + attempt.detail + ")"),
                  names, ids, "ok"});
    if (k < batch.node_names.size()) {
      // RunInstances: InsufficientInstanceCapacity when nothing launched, else
      // LimitedInstanceCapacity (as ParallelCluster); CreateFleet: the fleet's own error code.
      std::vector<std::string> rest(batch.node_names.begin() + static_cast<long>(k), batch.node_names.end());
      std::string code = !attempt.shortfall_code.empty() ? attempt.shortfall_code
                         : k == 0                        ? "InsufficientInstanceCapacity"
                                                         : "LimitedInstanceCapacity";
      fail(result, code, rest);
    }
  }
  return result;
}

}  // namespace ebbflow::daemons
