// nodewatcher (traditional mode, every compute node): terminates its own instance when it has
// been idle for scaledown_idletime, and when the scheduler has reported it down for too long
// (reference 4, with the fixes of section 13 item 1). Each step:
//   observe (node_health, has_jobs, then only as needed has_pending_jobs and the group)
//   -> decide (core::decide_node, pure) -> act (lock/unlock the host, or
//   TerminateInstanceInAutoScalingGroup) -> persist the state (JSON, atomically) -> event.
// A failed scheduler or Auto Scaling query is UNKNOWN: never idle, never down. While a lock
// settles the step only waits (outcome.next_check_at). TerminateInstanceInAutoScalingGroup
// refused (ValidationError: MinSize reached) -> unlock and keep running.
#pragma once

#include <cstdint>
#include <string>

#include "aws/autoscaling.h"
#include "core/traditional/node_idle.h"
#include "daemons/event_log.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/result.h"

namespace ebbflow::daemons {

struct NodewatcherSettings {
  std::string instance_id;
  std::string hostname;  // short name, as the scheduler knows it
  std::string group_name;
  int64_t scaledown_idletime_s = 600;
  int64_t down_timeout_s = 300;
  std::string state_file;  // JSON; "" keeps the state in memory only
  sched::NodeCapacity node;  // for has_pending_jobs
  int64_t settle_s = 15;
  int64_t loop_s = 60;
};

struct NodewatcherOutcome {
  bool terminated = false;     // this instance is being terminated: the process should exit
  core::NodeAction action = core::NodeAction::kNone;
  bool action_ok = true;
  int64_t next_check_at = 0;   // when to call run_once again
  std::string reason;
};

class Nodewatcher {
 public:
  Nodewatcher(aws::AutoScalingApi& asg, sched::TraditionalScheduler& scheduler, const EventLog* events,
              NodewatcherSettings settings);

  // One step at time `now`. An error only for a state file that cannot be written.
  Result<NodewatcherOutcome> run_once(int64_t now);
  const core::NodeState& state() const { return state_; }
  const NodewatcherSettings& settings() const { return settings_; }

 private:
  core::NodeObservation observe(int64_t now);
  void record(const Event& e) const;
  Status save() const;

  aws::AutoScalingApi& asg_;
  sched::TraditionalScheduler& scheduler_;
  const EventLog* events_;  // may be null
  NodewatcherSettings settings_;
  core::NodeSettings core_settings_;
  core::NodeState state_;
  std::string load_error_;  // set when the state file was unreadable; reported by the first step
};

// The state file: {"idle_s":N,"idle_anchor":T|null,"locked":b,"locked_at":T,
// "down_since":T|null,"down_observations":N}. A missing file is a fresh state; an unreadable
// one is kInvalidInput (the daemon starts fresh and logs it).
Result<core::NodeState> load_node_state(const std::string& path);
Status save_node_state(const std::string& path, const core::NodeState& state);
std::string node_state_to_json(const core::NodeState& state);
Result<core::NodeState> node_state_from_json(const std::string& text);

}  // namespace ebbflow::daemons
