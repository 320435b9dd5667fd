// Launching instances for Slurm nodes and binding them (slurm_resume and static replacement).
//
// For each batch of a LaunchPlan: record a launch intent with a ClientToken (reusing the token
// of a pending intent for the same nodes, so a retry after a crash gets the same instances
// back instead of new ones), RunInstances, bind each launched instance to its node in Slurm
// (NodeAddr/NodeHostName), tag it with its node name (the compute node reads the tag from
// instance metadata to learn which slurmd to start), and record the outcome.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
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
  int create_fleet_calls = 0;
};

struct LaunchOptions {
  bool all_or_nothing = false;  // per batch: MinCount (RunInstances) / MinTargetCapacity (CreateFleet) = count
  std::string component = "slurm-resume";
  // CreateFleet answers with instance ids only; their addresses come from DescribeInstances,
  // asked up to 5 times with this wait before attempt n >= 1 (0.1 s, then 0.3 s * 2^(n-1), as
  // ParallelCluster waits, without its jitter). Tests pass a wait that does not sleep.
  std::function<void(std::chrono::milliseconds)> wait = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
};

// The CreateFleet request for `count` nodes of a compute resource (reference section 8.4):
// one override per instance type x subnet (types outer, in configuration order; MaxPrice for
// spot with a SpotPrice; Priority = the type's position for "prioritized"), the capacity type
// and allocation strategy, SingleInstanceType / SingleAvailabilityZone, and MinTargetCapacity
// (count when all-or-nothing, else 1) only with a single type or a single subnet: with several
// of both EC2 cannot honour it, and launch_and_bind enforces all-or-nothing itself.
aws::CreateFleetRequest create_fleet_request(const config::SlurmQueue& queue, const config::ComputeResource& cr,
                                             const std::string& launch_template, int count, bool all_or_nothing);

// The error code that nodes left without an instance by a fleet fail with: an
// insufficient-capacity code when any error has one (so clustermgtd's insufficient-capacity
// handling covers the compute resource), else the first error's code; with no errors
// InsufficientInstanceCapacity when nothing launched, LimitedInstanceCapacity otherwise.
std::string fleet_failure_code(const std::vector<aws::FleetError>& errors, size_t launched);

LaunchResult launch_and_bind(const ClusterContext& ctx, aws::Ec2Api& ec2, slurm::SlurmClient& slurm,
                             store::StateStore& store, const EventLog& events, const core::LaunchPlan& plan,
                             const LaunchOptions& options);

std::string new_client_token();

}  // namespace ebbflow::daemons
