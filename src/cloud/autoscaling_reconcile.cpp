// AutoScalingService::tick: reconciles each group with EC2 and sends the lifecycle
// notifications (see autoscaling_service.h for the rules).
#include <algorithm>

#include "cloud/autoscaling_service.h"
#include "cloud/ec2_xml.h"

namespace ebbflow::cloud {

std::string asg_cause_time(int64_t now) {
  std::string t = iso8601(now);  // "2026-11-26T03:40:00.000Z"
  if (auto dot = t.find('.'); dot != std::string::npos) t = t.substr(0, dot) + "Z";
  return "At " + t;
}

std::string asg_activity_id() {
  return random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(12);
}

void AutoScalingService::tick(int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<std::string> gone;
  for (auto& [name, g] : groups_) {
    bool changed = reconcile(g, now);
    if (g.deleting && g.members.empty()) {
      gone.push_back(name);
    } else if (changed) {
      persist(g);
    }
  }
  for (const auto& name : gone) {
    (void)store_->remove(name);
    groups_.erase(name);
    if (log_) log_({{"event", "autoscaling-group-deleted"}, {"group", name}});
  }
}

bool AutoScalingService::reconcile(AsgGroup& g, int64_t now) {
  std::vector<std::string> ids;
  for (const auto& m : g.members) ids.push_back(m.instance_id);
  auto states = cloud_->instance_states(ids);
  bool changed = false;

  // 1. Members: Pending -> InService; Terminating -> gone once terminated; a member that died
  //    without the group terminating it leaves the group (and is replaced below).
  std::vector<AsgMember> kept;
  for (auto& m : g.members) {
    auto st = states.find(m.instance_id);
    const std::string state = st == states.end() ? kTerminated : st->second;
    const bool ending = state == kTerminated || state == kShuttingDown;
    if (m.lifecycle_state != kAsgTerminating && ending) {
      m.lifecycle_state = kAsgTerminating;
      notify(g, kAsgTerminate, m.instance_id, asg_activity_id(),
             asg_cause_time(now) + " an instance was taken out of service in response to an EC2 health check "
                                   "indicating it has been terminated or stopped.",
             now);
      changed = true;
    } else if (m.lifecycle_state == kAsgPending && state == kRunning) {
      m.lifecycle_state = kAsgInService;
      changed = true;
    }
    if (m.lifecycle_state == kAsgTerminating && state == kTerminated) {
      changed = true;  // fully gone: leaves the group
      continue;
    }
    kept.push_back(m);
  }
  g.members = std::move(kept);
  if (g.deleting) return changed;

  // 2. Too few: launch the difference (all at once, as one activity would).
  const int live = g.live_count();
  if (live < g.desired_capacity && now >= g.next_launch_at) {
    const int count = g.desired_capacity - live;
    Tags tags;
    for (const auto& [k, t] : g.tags) {
      if (t.propagate_at_launch) tags[k] = t.value;
    }
    tags["aws:autoscaling:groupName"] = g.name;
    auto launched = cloud_->launch_from_template(g.launch_template_name, count, tags, now);
    const std::string cause = asg_cause_time(now) + " an instance was started in response to a difference between "
                              "desired and actual capacity, increasing the capacity from " +
                              std::to_string(live) + " to " + std::to_string(g.desired_capacity) + ".";
    if (!launched.ok()) {
      g.next_launch_at = now + options_.launch_retry_s;
      if (log_) {
        log_({{"event", "autoscaling-launch-failed"}, {"group", g.name}, {"code", launched.error().code},
              {"message", launched.error().message}});
      }
      notify(g, kAsgLaunchError, "", asg_activity_id(), cause, now,
             launched.error().code + ": " + launched.error().message);
      return changed;
    }
    auto lt = cloud_->launch_template(g.launch_template_name);
    const std::string type = lt && !lt->instance_type.empty() ? lt->instance_type : "t3.micro";
    for (const auto& id : *launched) {
      g.members.push_back(AsgMember{id, type, kAsgPending, now, g.next_sequence++});
      notify(g, kAsgLaunch, id, asg_activity_id(), cause, now);
    }
    return true;
  }

  // 3. Too many: terminate the surplus, newest first.
  if (live > g.desired_capacity) {
    std::vector<const AsgMember*> candidates;
    for (const auto& m : g.members) {
      if (m.lifecycle_state != kAsgTerminating) candidates.push_back(&m);
    }
    std::sort(candidates.begin(), candidates.end(), [](const AsgMember* a, const AsgMember* b) {
      return a->launched_at != b->launched_at ? a->launched_at > b->launched_at : a->sequence > b->sequence;
    });
    std::vector<std::string> victims;
    for (int i = 0; i < live - g.desired_capacity; ++i) victims.push_back(candidates[i]->instance_id);
    terminate_members(g, victims,
                      asg_cause_time(now) + " an instance was taken out of service in response to a difference "
                                            "between desired and actual capacity, shrinking the capacity from " +
                          std::to_string(live) + " to " + std::to_string(g.desired_capacity) + ".",
                      now);
    return true;
  }
  return changed;
}

void AutoScalingService::terminate_members(AsgGroup& g, const std::vector<std::string>& ids, const std::string& cause,
                                           int64_t now) {
  for (auto& m : g.members) {
    if (std::find(ids.begin(), ids.end(), m.instance_id) == ids.end()) continue;
    m.lifecycle_state = kAsgTerminating;
    notify(g, kAsgTerminate, m.instance_id, asg_activity_id(), cause, now);
  }
  cloud_->terminate(ids, now);
}

void AutoScalingService::notify(const AsgGroup& g, const std::string& event, const std::string& instance_id,
                                const std::string& activity_id, const std::string& cause, int64_t now,
                                const std::string& error_message) {
  if (log_) {
    log_({{"event", "autoscaling-activity"}, {"group", g.name}, {"type", event}, {"instance_id", instance_id},
          {"cause", cause}});
  }
  if (!sink_) return;
  const bool launch = event == kAsgLaunch || event == kAsgLaunchError;
  const std::string description = launch ? "Launching a new EC2 instance" + (instance_id.empty() ? "" : ": " + instance_id)
                                         : "Terminating EC2 instance: " + instance_id;
  const std::string time = iso8601(now);
  nlohmann::ordered_json m = {
      {"Origin", launch ? "EC2" : "AutoScalingGroup"},
      {"Destination", launch ? "AutoScalingGroup" : "EC2"},
      {"Progress", error_message.empty() ? 50 : 100},
      {"AccountId", kAsgAccountId},
      {"Description", description},
      {"RequestId", activity_id},
      {"EndTime", time},
      {"AutoScalingGroupARN", g.arn},
      {"ActivityId", activity_id},
      {"StartTime", time},
      {"Service", "AWS Auto Scaling"},
      {"Time", time},
      {"EC2InstanceId", instance_id},
      {"StatusCode", error_message.empty() ? "InProgress" : "Failed"},
      {"StatusMessage", error_message},
      {"Details", {{"Subnet ID", ""}, {"Availability Zone", options_.region + "a"}}},
      {"AutoScalingGroupName", g.name},
      {"Cause", cause},
      {"Event", event}};
  const std::string subject = std::string("Auto Scaling: ") +
                              (event == kAsgLaunch          ? "launch"
                               : event == kAsgLaunchError   ? "failed launch"
                               : event == kAsgTerminate     ? "termination"
                                                            : "failed termination") +
                              " for group \"" + g.name + "\"";
  const std::string body = m.dump();
  for (const auto& [topic, types] : g.notifications) {
    if (types.count(event)) sink_(topic, subject, body, now);
  }
}

}  // namespace ebbflow::cloud
