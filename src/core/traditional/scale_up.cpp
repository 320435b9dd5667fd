#include "core/traditional/scale_up.h"

#include <algorithm>

namespace ebbflow::core {

ScaleUpDecision decide_scale_up(const GroupSize& group, int busy_nodes, int pending_nodes) {
  ScaleUpDecision d;
  if (pending_nodes < 0 || busy_nodes < 0) {
    // The original logged "critical" and did nothing; an adapter returning a negative count is
    // a bug, so the step acts on nothing it computed.
    d.anomaly = true;
    d.reason = "impossible counts from the scheduler (busy " + std::to_string(busy_nodes) + ", pending " +
               std::to_string(pending_nodes) + "): no change";
    return d;
  }
  if (pending_nodes == 0) {
    d.reason = "no pending jobs that more nodes can run";
    return d;
  }
  const int required = busy_nodes + pending_nodes;
  if (required <= group.desired) {
    d.reason = "busy " + std::to_string(busy_nodes) + " + pending " + std::to_string(pending_nodes) +
               " fit the desired capacity " + std::to_string(group.desired);
    return d;
  }
  const int target = std::min(required, group.max);
  if (target <= group.desired) {
    // Already at (or above) MaxSize: never lower, never above max.
    d.reason = "need " + std::to_string(required) + " nodes but the group is at its maximum " +
               std::to_string(group.max);
    return d;
  }
  d.new_desired = target;
  d.reason = "busy " + std::to_string(busy_nodes) + " + pending " + std::to_string(pending_nodes) + " = " +
             std::to_string(required) + " nodes > desired " + std::to_string(group.desired) +
             (target < required ? "; capped at max " + std::to_string(group.max) : "");
  return d;
}

}  // namespace ebbflow::core
