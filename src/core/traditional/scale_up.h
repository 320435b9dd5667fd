// jobwatcher's decision (reference 2.1): raise an Auto Scaling group's desired capacity so that
// the busy nodes plus the nodes the pending jobs need fit, never lower it, never above MaxSize.
//
//   ScaleUpDecision d = decide_scale_up({min, desired, max}, busy, pending);
//   if (d.new_desired) set_desired_capacity(group, *d.new_desired);
//
// `pending` is what the scheduler adapter answered: the nodes that the satisfiable pending jobs
// need (held jobs and jobs bigger than the group are already left out by the adapter). Scaling
// down is nodewatcher's job; this function never returns a value below the current desired.
#pragma once

#include <optional>
#include <string>

namespace ebbflow::core {

struct GroupSize {
  int min = 0;
  int desired = 0;
  int max = 0;
};

struct ScaleUpDecision {
  std::optional<int> new_desired;  // set only when the group must grow
  std::string reason;              // always set: why this (or no) change, for the event log
  bool anomaly = false;            // the inputs were impossible (negative counts): log loudly
};

ScaleUpDecision decide_scale_up(const GroupSize& group, int busy_nodes, int pending_nodes);

}  // namespace ebbflow::core
