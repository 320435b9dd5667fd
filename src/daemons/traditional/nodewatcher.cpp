#include "daemons/traditional/nodewatcher.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "daemons/cluster_context.h"

namespace ebbflow::daemons {

namespace {

core::Tri tri(const Result<bool>& r) {
  if (!r.ok()) return core::Tri::kUnknown;
  return *r ? core::Tri::kYes : core::Tri::kNo;
}

nlohmann::json optional_time(const std::optional<int64_t>& t) { return t ? nlohmann::json(*t) : nlohmann::json(); }

}  // namespace

std::string node_state_to_json(const core::NodeState& s) {
  nlohmann::json j = {{"idle_s", s.idle_s},
                      {"idle_anchor", optional_time(s.idle_anchor)},
                      {"locked", s.locked},
                      {"locked_at", s.locked_at},
                      {"down_since", optional_time(s.down_since)},
                      {"down_observations", s.down_observations}};
  return j.dump() + "\n";
}

Result<core::NodeState> node_state_from_json(const std::string& text) {
  auto bad = [](const std::string& what) {
    return make_error(ErrorKind::kInvalidInput, "BadNodewatcherState", "nodewatcher state: " + what);
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  core::NodeState s;
  auto integer = [&](const char* key, int64_t* out, bool nullable, std::optional<int64_t>* opt) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;  // older files may lack a field: keep the default
    if (it->is_null() && nullable) {
      opt->reset();
      return true;
    }
    if (!it->is_number_integer()) return false;
    if (nullable)
      *opt = it->get<int64_t>();
    else
      *out = it->get<int64_t>();
    return true;
  };
  int64_t down_obs = 0;
  if (!integer("idle_s", &s.idle_s, false, nullptr)) return bad("idle_s must be an integer");
  if (!integer("idle_anchor", nullptr, true, &s.idle_anchor)) return bad("idle_anchor must be an integer or null");
  if (!integer("locked_at", &s.locked_at, false, nullptr)) return bad("locked_at must be an integer");
  if (!integer("down_since", nullptr, true, &s.down_since)) return bad("down_since must be an integer or null");
  if (!integer("down_observations", &down_obs, false, nullptr)) return bad("down_observations must be an integer");
  s.down_observations = static_cast<int>(down_obs);
  if (auto it = j.find("locked"); it != j.end()) {
    if (!it->is_boolean()) return bad("locked must be a boolean");
    s.locked = it->get<bool>();
  }
  if (s.idle_s < 0 || s.down_observations < 0) return bad("negative counter");
  return s;
}

Result<core::NodeState> load_node_state(const std::string& path) {
  struct stat st{};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return core::NodeState{};
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  auto s = node_state_from_json(*text);
  if (!s.ok()) return make_error(ErrorKind::kInvalidInput, s.error().code, path + ": " + s.error().message);
  return s;
}

Status save_node_state(const std::string& path, const core::NodeState& state) {
  if (path.empty()) return {};
  return write_file_atomic(path, node_state_to_json(state), 0644);
}

Nodewatcher::Nodewatcher(aws::AutoScalingApi& asg, sched::TraditionalScheduler& scheduler, const EventLog* events,
                         NodewatcherSettings settings)
    : asg_(asg), scheduler_(scheduler), events_(events), settings_(std::move(settings)) {
  core_settings_.scaledown_idletime_s = settings_.scaledown_idletime_s;
  core_settings_.down_timeout_s = settings_.down_timeout_s;
  core_settings_.settle_s = settings_.settle_s;
  core_settings_.loop_s = settings_.loop_s;
  auto loaded = load_node_state(settings_.state_file);
  if (loaded.ok())
    state_ = *loaded;
  else
    load_error_ = loaded.error().describe();
}

void Nodewatcher::record(const Event& e) const {
  if (events_) events_->write(e);
}

Status Nodewatcher::save() const { return save_node_state(settings_.state_file, state_); }

core::NodeObservation Nodewatcher::observe(int64_t now) {
  (void)now;
  core::NodeObservation obs;
  obs.has_jobs = tri(scheduler_.has_jobs(settings_.hostname));
  if (state_.locked) return obs;  // the re-check after a lock settles needs has_jobs only

  auto health = scheduler_.node_health(settings_.hostname);
  if (health.ok()) {
    switch (*health) {
      case sched::NodeHealth::kUp: obs.health = core::HealthObservation::kUp; break;
      case sched::NodeHealth::kDown: obs.health = core::HealthObservation::kDown; break;
      case sched::NodeHealth::kMissing: obs.health = core::HealthObservation::kMissing; break;
    }
  }
  // The group and the pending jobs matter only for a node without jobs (reference 4.3).
  if (obs.has_jobs != core::Tri::kNo) return obs;
  auto groups = asg_.describe_groups({settings_.group_name});
  if (!groups.ok() || groups->empty()) return obs;
  const aws::AutoScalingGroup& g = groups->front();
  obs.group = core::GroupSize{g.min_size, g.desired_capacity, g.max_size};
  obs.pending = tri(scheduler_.has_pending_jobs(settings_.node, g.max_size));
  return obs;
}

Result<NodewatcherOutcome> Nodewatcher::run_once(int64_t now) {
  NodewatcherOutcome out;
  if (!load_error_.empty()) {
    record({now, "nodewatcher", "state", "note", "unreadable state file, starting fresh: " + load_error_,
            {settings_.hostname}, {settings_.instance_id}, "error"});
    load_error_.clear();
  }
  if (core::settling(state_, core_settings_, now)) {
    out.next_check_at = state_.locked_at + core_settings_.settle_s;
    out.reason = "host locked, settling";
    return out;
  }
  const core::NodeObservation obs = observe(now);
  const core::NodeState before = state_;
  const core::NodeDecision d = core::decide_node(state_, obs, core_settings_, now);
  out.action = d.action;
  out.reason = d.reason;
  out.next_check_at = d.next_check_at;

  nlohmann::json detail = {{"has_jobs", core::to_string(obs.has_jobs)},
                           {"pending", core::to_string(obs.pending)},
                           {"health", core::to_string(obs.health)},
                           {"idle_s", d.next.idle_s}};
  if (obs.group) detail["group"] = {{"min", obs.group->min}, {"desired", obs.group->desired}, {"max", obs.group->max}};
  auto event = [&](const std::string& rule, const std::string& action, const std::string& reason, const Status& st) {
    record({now, "nodewatcher", rule, action, reason, {settings_.hostname}, {settings_.instance_id},
            st.ok() ? "ok" : st.error().describe(), detail});
  };
  const std::string action_name = core::to_string(d.action);

  switch (d.action) {
    case core::NodeAction::kNone:
      state_ = d.next;
      // A down streak starting is worth a line: it explains a later self-termination.
      if (d.next.down_observations == 1 && before.down_observations == 0)
        event("node-down", "note", std::string("the scheduler reports the host ") + core::to_string(obs.health), {});
      break;
    case core::NodeAction::kLock: {
      Status st = scheduler_.lock_host(settings_.hostname);
      state_ = st.ok() ? d.next : core::after_lock_failed(before, d);
      out.action_ok = st.ok();
      out.next_check_at = st.ok() ? d.next_check_at : now + core_settings_.loop_s;
      event(d.rule, action_name, d.reason, st);
      break;
    }
    case core::NodeAction::kUnlock: {
      Status st = scheduler_.unlock_host(settings_.hostname);
      state_ = st.ok() ? d.next : core::after_unlock_failed(before, d);
      out.action_ok = st.ok();
      event(d.rule, action_name, d.reason, st);
      break;
    }
    case core::NodeAction::kTerminate:
    case core::NodeAction::kSelfTerminate: {
      detail["decrement_desired"] = d.decrement_desired;
      auto r = asg_.terminate_instance_in_group(settings_.instance_id, d.decrement_desired);
      if (r.ok()) {
        out.terminated = true;
        state_ = d.next;
        event(d.rule, action_name, d.reason, {});
        break;
      }
      out.action_ok = false;
      const bool min_reached = r.error().kind == ErrorKind::kInvalidInput;
      std::string why = min_reached ? "the group refused (min size reached): keeping the node"
                                    : "TerminateInstanceInAutoScalingGroup failed: keeping the node";
      event(d.rule, action_name, d.reason + "; " + why, r.error());
      if (d.action == core::NodeAction::kTerminate) {
        state_ = core::after_terminate_failed(before, now);
        Status st = scheduler_.unlock_host(settings_.hostname);
        if (!st.ok()) state_ = core::after_unlock_failed(before, d);
        event(d.rule, "unlock-host", "termination refused", st);
      } else {
        // Start the down streak again: the next attempt comes after another full timeout.
        state_ = d.next;
        state_.down_since = now;
        state_.down_observations = 1;
      }
      out.next_check_at = now + core_settings_.loop_s;
      break;
    }
  }
  Status saved = save();
  if (!saved.ok() && !out.terminated) return saved.error();
  return out;
}

}  // namespace ebbflow::daemons
