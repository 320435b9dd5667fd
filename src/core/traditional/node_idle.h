// nodewatcher's decision (reference 4.3 with the fixes of section 13, item 1): one pure step
// of the per-node state machine that scales an idle node in and self-terminates a dead one.
//
//   if (settling(state, settings, now)) -> wait until state.locked_at + settle_s
//   NodeDecision d = decide_node(state, observation, settings, now);
//   act on d.action; persist d.next (or the failure variant below); sleep until d.next_check_at.
//
// Rules:
// - Idle time is seconds, summed over intervals between consecutive observations that both
//   showed the node idle (no jobs, no satisfiable pending job, desired > min). A busy or needed
//   observation resets it to 0; desired <= min keeps it at 0. An unknown observation (a failed
//   scheduler or Auto Scaling query) resets nothing and counts nothing: it is not idle evidence.
//   A gap longer than max_idle_step_s (the daemon was stopped) counts as max_idle_step_s.
// - Idle for scaledown_idletime_s -> LOCK (no new jobs); after settle_s the next step re-checks
//   has_jobs: no -> TERMINATE with decrement; yes or unknown -> UNLOCK.
// - DOWN or MISSING seen continuously for down_timeout_s with at least min_down_observations
//   observations -> SELF_TERMINATE (decrement only when desired > min is known). UP clears the
//   streak; UNKNOWN neither extends nor clears it.
// - A node that is known or possibly (unknown) running a job is never terminated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/traditional/scale_up.h"

namespace ebbflow::core {

enum class Tri { kNo, kYes, kUnknown };
enum class HealthObservation { kUp, kDown, kMissing, kUnknown };
const char* to_string(Tri t);
const char* to_string(HealthObservation h);

struct NodeObservation {
  HealthObservation health = HealthObservation::kUnknown;
  Tri has_jobs = Tri::kUnknown;
  Tri pending = Tri::kUnknown;     // satisfiable pending jobs somewhere in the cluster
  std::optional<GroupSize> group;  // nullopt: the group could not be read
};

struct NodeSettings {
  int64_t scaledown_idletime_s = 600;
  int64_t down_timeout_s = 300;
  int min_down_observations = 3;
  int64_t settle_s = 15;
  int64_t loop_s = 60;
  int64_t down_poll_s = 10;  // faster re-observation while a down streak is building
  int64_t max_idle_step_s = 300;
};

// The persisted state (a small JSON file on the node: a restart keeps the idle time).
struct NodeState {
  int64_t idle_s = 0;
  std::optional<int64_t> idle_anchor;  // time of the last observation that counts (busy or idle)
  bool locked = false;                 // we locked the host in the scheduler
  int64_t locked_at = 0;
  std::optional<int64_t> down_since;   // first down/missing observation of the current streak
  int down_observations = 0;
  bool operator==(const NodeState&) const = default;
};

enum class NodeAction { kNone, kLock, kUnlock, kTerminate, kSelfTerminate };
const char* to_string(NodeAction a);

struct NodeDecision {
  NodeAction action = NodeAction::kNone;
  bool decrement_desired = false;  // kTerminate / kSelfTerminate: ShouldDecrementDesiredCapacity
  std::string rule;                // scale-down | settle-recheck | node-down | idle | busy | ...
  std::string reason;              // human text for the event log
  NodeState next;                  // state to persist when the action succeeded
  int64_t next_check_at = 0;       // when the daemon should observe again
};

// True while a lock is settling: the daemon observes nothing until state.locked_at + settle_s.
bool settling(const NodeState& state, const NodeSettings& settings, int64_t now);

NodeDecision decide_node(const NodeState& state, const NodeObservation& obs, const NodeSettings& settings,
                         int64_t now);

// States to persist when an action failed.
// Lock failed: still unlocked; the idle time is kept (the next step tries again).
NodeState after_lock_failed(const NodeState& before_step, const NodeDecision& d);
// Terminate failed (e.g. ValidationError: MinSize reached): unlocked, idle time reset to 0.
NodeState after_terminate_failed(const NodeState& state, int64_t now);
// Unlock failed: stays locked and is re-checked at the next step (a finished job then
// terminates the node, a running one tries the unlock again).
NodeState after_unlock_failed(const NodeState& before_step, const NodeDecision& d);

}  // namespace ebbflow::core
