#include "daemons/traditional/jobwatcher.h"

namespace ebbflow::daemons {

void Jobwatcher::record(const Event& e) const {
  if (events_) events_->write(e);
}

Status Jobwatcher::run_once(int64_t now) {
  last_ = JobwatcherStep{};
  auto groups = asg_.describe_groups({settings_.group_name});
  if (!groups.ok()) return groups.error();
  if (groups->empty())
    return make_error(ErrorKind::kNotFound, "GroupNotFound", "Auto Scaling group " + settings_.group_name + " not found");
  const aws::AutoScalingGroup& g = groups->front();
  last_.group = {g.min_size, g.desired_capacity, g.max_size};

  auto busy = scheduler_.busy_nodes();
  if (!busy.ok()) return busy.error();
  auto pending = scheduler_.required_nodes(settings_.node, g.max_size);
  if (!pending.ok()) return pending.error();
  last_.busy = *busy;
  last_.pending = *pending;

  last_.decision = core::decide_scale_up(last_.group, *busy, *pending);
  nlohmann::json detail = {{"min", g.min_size}, {"desired", g.desired_capacity}, {"max", g.max_size},
                           {"busy", *busy},     {"pending", *pending}};
  if (last_.decision.anomaly)
    record({now, "jobwatcher", "scale-up", "note", last_.decision.reason, {}, {}, "error", detail});
  if (!last_.decision.new_desired) return {};

  const int target = *last_.decision.new_desired;
  detail["new_desired"] = target;
  Status st = asg_.set_desired_capacity(settings_.group_name, target);
  record({now, "jobwatcher", "scale-up", "set-desired-capacity", last_.decision.reason, {}, {},
          st.ok() ? "ok" : st.error().describe(), detail});
  if (!st.ok()) return st;
  last_.applied = true;
  return {};
}

}  // namespace ebbflow::daemons
