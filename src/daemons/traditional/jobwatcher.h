// jobwatcher (traditional mode, head node): once a minute, raise the compute group's desired
// capacity so that busy nodes plus the nodes the pending jobs need fit (reference 2).
//   observe: DescribeAutoScalingGroups, scheduler busy_nodes, required_nodes(node, MaxSize)
//   decide:  core::decide_scale_up (never lowers, never above MaxSize)
//   act:     SetDesiredCapacity, one event
// A failed read ends the step with that error and changes nothing. The process loop (sleep
// between steps, signals) lives with the caller; run_once never sleeps.
#pragma once

#include <cstdint>
#include <string>

#include "aws/autoscaling.h"
#include "core/traditional/scale_up.h"
#include "daemons/event_log.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/result.h"

namespace ebbflow::daemons {

struct JobwatcherSettings {
  std::string group_name;  // <cluster>-compute
  sched::NodeCapacity node;
  int64_t loop_s = 60;
};

struct JobwatcherStep {
  core::GroupSize group;
  int busy = 0;
  int pending = 0;
  core::ScaleUpDecision decision;
  bool applied = false;  // SetDesiredCapacity succeeded
};

class Jobwatcher {
 public:
  Jobwatcher(aws::AutoScalingApi& asg, sched::TraditionalScheduler& scheduler, const EventLog* events,
             JobwatcherSettings settings)
      : asg_(asg), scheduler_(scheduler), events_(events), settings_(std::move(settings)) {}

  // One step at time `now`: an error when a read or the update failed (nothing else changed).
  Status run_once(int64_t now);
  const JobwatcherStep& last_step() const { return last_; }
  const JobwatcherSettings& settings() const { return settings_; }

 private:
  void record(const Event& e) const;

  aws::AutoScalingApi& asg_;
  sched::TraditionalScheduler& scheduler_;
  const EventLog* events_;  // may be null
  JobwatcherSettings settings_;
  JobwatcherStep last_;
};

}  // namespace ebbflow::daemons
