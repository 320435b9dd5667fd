#include "core/cluster_model.h"

#include "core/plan.h"

namespace ebbflow::core {

const char* to_string(FleetStatus s) {
  switch (s) {
    case FleetStatus::kRunning: return "RUNNING";
    case FleetStatus::kStopRequested: return "STOP_REQUESTED";
    case FleetStatus::kStopped: return "STOPPED";
    case FleetStatus::kStartRequested: return "START_REQUESTED";
    case FleetStatus::kProtected: return "PROTECTED";
  }
  return "UNKNOWN";
}

std::optional<FleetStatus> parse_fleet_status(const std::string& s) {
  for (auto f : {FleetStatus::kRunning, FleetStatus::kStopRequested, FleetStatus::kStopped,
                 FleetStatus::kStartRequested, FleetStatus::kProtected})
    if (s == to_string(f)) return f;
  return std::nullopt;
}

const char* to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::kTerminateInstances: return "terminate-instances";
    case ActionKind::kSetNodesDown: return "set-nodes-down";
    case ActionKind::kDrainNodes: return "drain-nodes";
    case ActionKind::kReleaseIdleNodes: return "release-idle-nodes";
    case ActionKind::kPowerDownNodes: return "power-down-nodes";
    case ActionKind::kResetNodeAddrs: return "reset-node-addresses";
    case ActionKind::kResetNodesDown: return "reset-nodes-down";
    case ActionKind::kResumeNodes: return "resume-nodes";
    case ActionKind::kLaunchNodes: return "launch-nodes";
    case ActionKind::kSetPartitionState: return "set-partition-state";
  }
  return "unknown";
}

}  // namespace ebbflow::core
