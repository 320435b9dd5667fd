// Launching instances for Slurm nodes and binding them (slurm_resume and static replacement).
//
// For each batch of a LaunchPlan: record a launch intent with a ClientToken (reusing the token
// of a pending intent for the same nodes, so a retry after a crash gets the same instances
// back instead of new ones), RunInstances, bind each launched instance to its node in Slurm
// (NodeAddr/NodeHostName), tag it with its node name (the compute node reads the tag from
// instance metadata to learn which slurmd to start), and record the outcome.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aws/ec2.h"
#include "core/launch_plan.h"
#include "daemons/cluster_context.h"
#include "daemons/event_log.h"
#include "scheduler/slurm/slurm_client.h"
#include "store/state_store.h"

namespace ebbflow::daemons {

struct LaunchResult {
  std::map<std::string, std::string> bound;                     // node -> instance id
  std::map<std::string, std::vector<std::string>> failed;       // error code -> nodes
  int run_instances_calls = 0;
};

struct LaunchOptions {
  bool all_or_nothing = false;  // per batch: MinCount = count
  std::string component = "slurm-resume";
};

LaunchResult launch_and_bind(const ClusterContext& ctx, aws::Ec2Api& ec2, slurm::SlurmClient& slurm,
                             store::StateStore& store, const EventLog& events, const core::LaunchPlan& plan,
                             const LaunchOptions& options);

std::string new_client_token();

}  // namespace ebbflow::daemons
