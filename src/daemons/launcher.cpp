#include "daemons/launcher.h"

#include <random>

namespace ebbflow::daemons {

std::string new_client_token() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string t = "ebbflow-";
  for (int i = 0; i < 32; ++i) t += hex[rd() % 16];
  return t;
}

namespace {

void fail(LaunchResult& r, const std::string& code, const std::vector<std::string>& names) {
  auto& v = r.failed[code];
  v.insert(v.end(), names.begin(), names.end());
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
    aws::RunInstancesRequest req;
    req.launch_template_name = launch_template_name(cluster, batch.queue, batch.compute_resource);
    req.instance_type = batch.instance_type;
    req.max_count = static_cast<int>(batch.node_names.size());
    req.min_count = options.all_or_nothing ? req.max_count : 1;
    req.client_token = intent.client_token;
    req.instance_tags = {{kTagCluster, cluster},
                         {kTagNodeType, "Compute"},
                         {kTagQueue, batch.queue},
                         {kTagComputeResource, batch.compute_resource}};
    if (batch.node_names.size() == 1) req.instance_tags[kTagNodeName] = batch.node_names.front();
    ++result.run_instances_calls;
    auto launched = ec2.run_instances(req);
    if (!launched.ok()) {
      const Error& e = launched.error();
      // A timeout may have launched anyway: keep the intent pending so the same token is reused.
      if (e.kind != ErrorKind::kUnavailable) (void)store.finish_intent(intent.client_token, "failed", {});
      fail(result, e.code.empty() ? "Exception" : e.code, batch.node_names);
      events.write({now, options.component, "launch", "run-instances", e.describe(), batch.node_names, {}, "error"});
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
    events.write({now, options.component, "launch", "launch-nodes",
                  "launched " + std::to_string(k) + " of " + std::to_string(batch.node_names.size()) + " " +
                      batch.instance_type + " for " + batch.queue + "/" + batch.compute_resource,
                  names, ids, "ok"});
    if (k < batch.node_names.size()) {
      std::vector<std::string> rest(batch.node_names.begin() + static_cast<long>(k), batch.node_names.end());
      fail(result, k == 0 ? "InsufficientInstanceCapacity" : "LimitedInstanceCapacity", rest);
    }
  }
  return result;
}

}  // namespace ebbflow::daemons
