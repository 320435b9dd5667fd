// clustermgtd's decision: one iteration, as a pure function.
//
//   Plan plan = decide_iteration(snapshot, state, settings);
//
// The snapshot must come from successful scheduler and cloud reads: a failed read is "unknown"
// and the daemon does not call this at all (nothing is terminated on missing information). The
// returned plan lists actions in the order they must run, plus the state to persist.
// Behaviour follows ../shared/reference/parallelcluster-behavior.md section 6 with the
// deliberate differences listed in docs/architecture.md ("Where ebbflow differs").
#pragma once

#include "core/cluster_model.h"
#include "core/plan.h"

namespace ebbflow::core {

Plan decide_iteration(const ClusterSnapshot& snapshot, const ManagerState& state, const ManagerSettings& settings);

// Reason strings written to Slurm (stable: operators grep for them; docs/operations.md).
namespace reasons {
inline constexpr const char* kSchedulerHealthCheck = "Scheduler health check failed";
inline constexpr const char* kStaticReplacement = "Static node maintenance: unhealthy node is being replaced";
inline constexpr const char* kEc2HealthCheck = "Node failing ec2_health_check";
inline constexpr const char* kScheduledEvent = "Node failing scheduled_events_check";
inline constexpr const char* kInactivePartition = "inactive partition";
inline constexpr const char* kStoppingCluster = "stopping cluster";
inline constexpr const char* kIceEnabling = "Enabling node since insufficient capacity timeout expired";
inline constexpr const char* kResumeFailure = "Failure when resuming nodes";
}  // namespace reasons

}  // namespace ebbflow::core
