#include "core/traditional/node_idle.h"

#include <algorithm>

namespace ebbflow::core {

const char* to_string(Tri t) {
  switch (t) {
    case Tri::kNo: return "no";
    case Tri::kYes: return "yes";
    case Tri::kUnknown: return "unknown";
  }
  return "?";
}

const char* to_string(HealthObservation h) {
  switch (h) {
    case HealthObservation::kUp: return "up";
    case HealthObservation::kDown: return "down";
    case HealthObservation::kMissing: return "missing";
    case HealthObservation::kUnknown: return "unknown";
  }
  return "?";
}

const char* to_string(NodeAction a) {
  switch (a) {
    case NodeAction::kNone: return "none";
    case NodeAction::kLock: return "lock-host";
    case NodeAction::kUnlock: return "unlock-host";
    case NodeAction::kTerminate: return "terminate-instance";
    case NodeAction::kSelfTerminate: return "self-terminate";
  }
  return "?";
}

bool settling(const NodeState& state, const NodeSettings& settings, int64_t now) {
  return state.locked && now < state.locked_at + settings.settle_s;
}

namespace {

// The step after a lock has settled: only has_jobs matters (reference 4.3: lock, sleep, re-check).
NodeDecision recheck_after_settle(const NodeState& state, const NodeObservation& obs, const NodeSettings& s,
                                  int64_t now) {
  NodeDecision d;
  d.next = state;
  d.next_check_at = now + s.loop_s;
  d.rule = "settle-recheck";
  switch (obs.has_jobs) {
    case Tri::kNo:
      d.action = NodeAction::kTerminate;
      d.decrement_desired = true;  // scale-in: the group must not replace this node
      d.rule = "scale-down";
      d.reason = "idle for " + std::to_string(state.idle_s) + " s and still no job after " +
                 std::to_string(s.settle_s) + " s locked";
      return d;
    case Tri::kYes:
      d.action = NodeAction::kUnlock;
      d.reason = "a job landed while the host was locked: keeping the node";
      d.next.locked = false;
      d.next.locked_at = 0;
      d.next.idle_s = 0;
      d.next.idle_anchor = now;
      return d;
    case Tri::kUnknown:
      d.action = NodeAction::kUnlock;
      d.reason = "could not tell whether the host runs a job after the lock settled: not terminating";
      d.next.locked = false;
      d.next.locked_at = 0;
      d.next.idle_anchor.reset();  // not idle evidence; the idle time already counted stays
      return d;
  }
  return d;
}

bool is_down(HealthObservation h) { return h == HealthObservation::kDown || h == HealthObservation::kMissing; }

}  // namespace

NodeDecision decide_node(const NodeState& state, const NodeObservation& obs, const NodeSettings& s, int64_t now) {
  if (settling(state, s, now)) {
    NodeDecision d;
    d.next = state;
    d.rule = "settle";
    d.reason = "host locked, settling";
    d.next_check_at = state.locked_at + s.settle_s;
    return d;
  }
  if (state.locked) return recheck_after_settle(state, obs, s, now);

  NodeDecision d;
  d.next = state;
  d.next_check_at = now + s.loop_s;
  NodeState& n = d.next;

  // Down streak: continuous down/missing observations; UP ends it, UNKNOWN leaves it as it is.
  if (obs.health == HealthObservation::kUp) {
    n.down_since.reset();
    n.down_observations = 0;
  } else if (is_down(obs.health)) {
    if (!n.down_since) n.down_since = now;
    ++n.down_observations;
  }
  if (n.down_since) {
    const int64_t down_for = now - *n.down_since;
    const bool long_enough = down_for >= s.down_timeout_s && n.down_observations >= s.min_down_observations;
    if (long_enough && is_down(obs.health) && obs.has_jobs == Tri::kNo) {
      d.action = NodeAction::kSelfTerminate;
      // Keep the group's size (get a replacement) unless we know it is above its minimum.
      d.decrement_desired = obs.group && obs.group->desired > obs.group->min;
      d.rule = "node-down";
      d.reason = std::string("the scheduler reported the host ") + to_string(obs.health) + " for " +
                 std::to_string(down_for) + " s (" + std::to_string(n.down_observations) + " observations)";
      return d;
    }
    d.next_check_at = std::min(d.next_check_at, now + s.down_poll_s);
    if (long_enough && is_down(obs.health)) {
      d.rule = "node-down";
      d.reason = std::string("down for ") + std::to_string(down_for) + " s but has_jobs is " + to_string(obs.has_jobs) +
                 ": a node that may run a job is never terminated";
    }
  }

  // Idle time. Busy or needed resets it; unknown neither resets nor counts.
  auto reset = [&](const char* rule, const std::string& reason) {
    n.idle_s = 0;
    n.idle_anchor = now;
    if (d.rule.empty()) {
      d.rule = rule;
      d.reason = reason;
    }
  };
  auto unknown = [&](const std::string& reason) {
    n.idle_anchor.reset();
    if (d.rule.empty()) {
      d.rule = "unknown";
      d.reason = reason;
    }
  };
  if (obs.has_jobs == Tri::kYes) {
    reset("busy", "the host runs a job");
  } else if (obs.has_jobs == Tri::kUnknown) {
    unknown("has_jobs unknown");
  } else if (obs.pending == Tri::kYes) {
    reset("needed", "satisfiable pending jobs in the cluster");
  } else if (obs.pending == Tri::kUnknown) {
    unknown("pending jobs unknown");
  } else if (!obs.group) {
    unknown("group size unknown");
  } else if (obs.group->desired <= obs.group->min) {
    reset("min-size", "desired " + std::to_string(obs.group->desired) + " <= min " + std::to_string(obs.group->min) +
                          ": keeping the node");
  } else {
    if (n.idle_anchor && now > *n.idle_anchor) n.idle_s += std::min(now - *n.idle_anchor, s.max_idle_step_s);
    n.idle_anchor = now;
    if (n.idle_s >= s.scaledown_idletime_s) {
      d.action = NodeAction::kLock;
      d.rule = "scale-down";
      d.reason = "idle for " + std::to_string(n.idle_s) + " s (>= " + std::to_string(s.scaledown_idletime_s) +
                 " s) with no satisfiable pending job: locking before terminating";
      n.locked = true;
      n.locked_at = now;
      d.next_check_at = now + s.settle_s;
    } else if (d.rule.empty()) {
      d.rule = "idle";
      d.reason = "idle for " + std::to_string(n.idle_s) + " s";
    }
  }
  return d;
}

NodeState after_lock_failed(const NodeState& before_step, const NodeDecision& d) {
  (void)before_step;
  NodeState s = d.next;
  s.locked = false;
  s.locked_at = 0;
  return s;
}

NodeState after_terminate_failed(const NodeState& state, int64_t now) {
  NodeState s = state;
  s.locked = false;
  s.locked_at = 0;
  s.idle_s = 0;
  s.idle_anchor = now;
  return s;
}

NodeState after_unlock_failed(const NodeState& before_step, const NodeDecision& d) {
  NodeState s = d.next;
  s.locked = true;
  s.locked_at = before_step.locked_at;
  return s;
}

}  // namespace ebbflow::core
