// nodewatcher's state machine (core::decide_node), stepped through virtual time.
#include "core/traditional/node_idle.h"

#include <gtest/gtest.h>

namespace ebbflow::core {
namespace {

constexpr int64_t T0 = 1'800'000'000;

NodeObservation idle_obs(int min = 0, int desired = 3) {
  NodeObservation o;
  o.health = HealthObservation::kUp;
  o.has_jobs = Tri::kNo;
  o.pending = Tri::kNo;
  o.group = GroupSize{min, desired, 10};
  return o;
}

NodeSettings settings() {
  NodeSettings s;
  s.scaledown_idletime_s = 600;
  return s;
}

// Steps every `step` seconds with the same observation until an action other than none (or
// `limit`); returns that decision and leaves `state` and `now` at it.
NodeDecision run_until_action(NodeState& state, int64_t& now, const NodeObservation& obs, int64_t step,
                              int64_t limit) {
  const int64_t end = now + limit;
  for (; now <= end; now += step) {
    NodeDecision d = decide_node(state, obs, settings(), now);
    state = d.next;
    if (d.action != NodeAction::kNone) return d;
  }
  return NodeDecision{};
}

TEST(NodeIdle, IdlePastIdletimeLocksThenTerminatesWithDecrement) {
  NodeState s;
  int64_t now = T0;
  NodeDecision d = run_until_action(s, now, idle_obs(), 60, 3600);
  ASSERT_EQ(d.action, NodeAction::kLock);
  EXPECT_EQ(now, T0 + 600);  // first observation anchors, then 10 intervals of 60 s
  EXPECT_TRUE(s.locked);
  EXPECT_EQ(d.next_check_at, now + 15);
  // While settling nothing is decided.
  EXPECT_TRUE(settling(s, settings(), now + 14));
  EXPECT_EQ(decide_node(s, idle_obs(), settings(), now + 5).action, NodeAction::kNone);
  // After the settle: has_jobs still no -> terminate with decrement.
  NodeDecision t = decide_node(s, idle_obs(), settings(), now + 15);
  EXPECT_EQ(t.action, NodeAction::kTerminate);
  EXPECT_TRUE(t.decrement_desired);
}

TEST(NodeIdle, JobDuringSettleUnlocks) {
  NodeState s;
  int64_t now = T0;
  ASSERT_EQ(run_until_action(s, now, idle_obs(), 60, 3600).action, NodeAction::kLock);
  NodeObservation busy = idle_obs();
  busy.has_jobs = Tri::kYes;
  NodeDecision d = decide_node(s, busy, settings(), now + 15);
  EXPECT_EQ(d.action, NodeAction::kUnlock);
  EXPECT_FALSE(d.next.locked);
  EXPECT_EQ(d.next.idle_s, 0);
}

TEST(NodeIdle, UnknownAfterSettleUnlocksWithoutTerminating) {
  NodeState s;
  int64_t now = T0;
  ASSERT_EQ(run_until_action(s, now, idle_obs(), 60, 3600).action, NodeAction::kLock);
  NodeObservation unknown = idle_obs();
  unknown.has_jobs = Tri::kUnknown;
  NodeDecision d = decide_node(s, unknown, settings(), now + 20);
  EXPECT_EQ(d.action, NodeAction::kUnlock);
  EXPECT_GE(d.next.idle_s, 600);  // the idle time already counted is not evidence-free: kept
}

TEST(NodeIdle, BusyOrNeededResetsIdle) {
  NodeState s;
  int64_t now = T0;
  for (int i = 0; i < 8; ++i, now += 60) s = decide_node(s, idle_obs(), settings(), now).next;
  EXPECT_EQ(s.idle_s, 420);
  NodeObservation busy = idle_obs();
  busy.has_jobs = Tri::kYes;
  s = decide_node(s, busy, settings(), now).next;
  EXPECT_EQ(s.idle_s, 0);
  now += 60;
  s = decide_node(s, idle_obs(), settings(), now).next;
  EXPECT_EQ(s.idle_s, 60);  // counted from the last busy sighting
  NodeObservation needed = idle_obs();
  needed.pending = Tri::kYes;
  s = decide_node(s, needed, settings(), now + 60).next;
  EXPECT_EQ(s.idle_s, 0);
}

TEST(NodeIdle, UnknownObservationsNeitherResetNorCount) {
  NodeState s;
  int64_t now = T0;
  for (int i = 0; i < 6; ++i, now += 60) s = decide_node(s, idle_obs(), settings(), now).next;
  const int64_t before = s.idle_s;
  ASSERT_EQ(before, 300);
  // An hour of failed queries: nothing triggers, nothing counts, nothing resets.
  NodeObservation unknown_jobs = idle_obs();
  unknown_jobs.has_jobs = Tri::kUnknown;
  NodeObservation unknown_pending = idle_obs();
  unknown_pending.pending = Tri::kUnknown;
  NodeObservation unknown_group = idle_obs();
  unknown_group.group.reset();
  for (int i = 0; i < 60; ++i, now += 60) {
    const NodeObservation& o = i % 3 == 0 ? unknown_jobs : (i % 3 == 1 ? unknown_pending : unknown_group);
    NodeDecision d = decide_node(s, o, settings(), now);
    EXPECT_EQ(d.action, NodeAction::kNone);
    s = d.next;
  }
  EXPECT_EQ(s.idle_s, before);
  // The first idle observation after the outage only re-anchors; the next one counts.
  s = decide_node(s, idle_obs(), settings(), now).next;
  EXPECT_EQ(s.idle_s, before);
  s = decide_node(s, idle_obs(), settings(), now + 60).next;
  EXPECT_EQ(s.idle_s, before + 60);
}

TEST(NodeIdle, DesiredAtMinKeepsTheNode) {
  NodeState s;
  int64_t now = T0;
  NodeDecision d = run_until_action(s, now, idle_obs(/*min=*/2, /*desired=*/2), 60, 7200);
  EXPECT_EQ(d.action, NodeAction::kNone);
  EXPECT_EQ(s.idle_s, 0);
  EXPECT_FALSE(s.locked);
}

TEST(NodeIdle, LongGapCountsAtMostOneStep) {
  NodeState s;
  s = decide_node(s, idle_obs(), settings(), T0).next;
  // The daemon was stopped for a day: the gap counts as max_idle_step_s.
  s = decide_node(s, idle_obs(), settings(), T0 + 86400).next;
  EXPECT_EQ(s.idle_s, settings().max_idle_step_s);
}

TEST(NodeIdle, NeverTerminatesANodeWithARunningJob) {
  NodeState s;
  NodeObservation o = idle_obs();
  o.has_jobs = Tri::kYes;
  for (HealthObservation h : {HealthObservation::kUp, HealthObservation::kDown, HealthObservation::kMissing}) {
    o.health = h;
    for (int64_t now = T0; now < T0 + 4 * 3600; now += 10) {
      NodeDecision d = decide_node(s, o, settings(), now);
      EXPECT_NE(d.action, NodeAction::kTerminate);
      EXPECT_NE(d.action, NodeAction::kSelfTerminate);
      EXPECT_NE(d.action, NodeAction::kLock);
      s = d.next;
    }
  }
}

TEST(NodeIdle, DownContinuouslyForTheTimeoutSelfTerminates) {
  NodeState s;
  NodeObservation down = idle_obs(0, 3);
  down.health = HealthObservation::kDown;
  down.pending = Tri::kYes;  // keep the idle path quiet: only the down rule can act
  int64_t now = T0;
  NodeDecision d = decide_node(s, down, settings(), now);
  EXPECT_EQ(d.action, NodeAction::kNone);
  EXPECT_EQ(d.next_check_at, now + 10);  // polls faster while a streak builds
  s = d.next;
  for (now += 10; now < T0 + 300; now += 10) {
    d = decide_node(s, down, settings(), now);
    ASSERT_EQ(d.action, NodeAction::kNone) << now - T0;
    s = d.next;
  }
  d = decide_node(s, down, settings(), T0 + 300);
  EXPECT_EQ(d.action, NodeAction::kSelfTerminate);
  EXPECT_TRUE(d.decrement_desired);  // desired 3 > min 0
  // At min: terminate without decrement, so the group replaces the node.
  down.group = GroupSize{3, 3, 10};
  EXPECT_FALSE(decide_node(s, down, settings(), T0 + 300).decrement_desired);
  down.group.reset();
  EXPECT_FALSE(decide_node(s, down, settings(), T0 + 300).decrement_desired);
}

TEST(NodeIdle, DownNeedsThreeObservationsAndContinuity) {
  NodeObservation down = idle_obs();
  down.health = HealthObservation::kMissing;
  down.pending = Tri::kYes;
  // Two observations 10 minutes apart are not enough.
  NodeState s = decide_node(NodeState{}, down, settings(), T0).next;
  NodeDecision d = decide_node(s, down, settings(), T0 + 600);
  EXPECT_EQ(d.action, NodeAction::kNone);
  EXPECT_EQ(decide_node(d.next, down, settings(), T0 + 610).action, NodeAction::kSelfTerminate);
  // An UP in between restarts the streak.
  NodeObservation up = idle_obs();
  up.pending = Tri::kYes;
  s = decide_node(NodeState{}, down, settings(), T0).next;
  s = decide_node(s, down, settings(), T0 + 100).next;
  s = decide_node(s, up, settings(), T0 + 200).next;
  EXPECT_FALSE(s.down_since.has_value());
  s = decide_node(s, down, settings(), T0 + 250).next;
  s = decide_node(s, down, settings(), T0 + 300).next;
  EXPECT_EQ(decide_node(s, down, settings(), T0 + 400).action, NodeAction::kNone);
}

TEST(NodeIdle, FailedHealthQueriesNeverCountAsDown) {
  NodeObservation unknown = idle_obs();
  unknown.health = HealthObservation::kUnknown;
  unknown.pending = Tri::kYes;
  NodeState s;
  for (int64_t now = T0; now < T0 + 7200; now += 10) {
    NodeDecision d = decide_node(s, unknown, settings(), now);
    EXPECT_EQ(d.action, NodeAction::kNone);
    s = d.next;
  }
  EXPECT_FALSE(s.down_since.has_value());
  EXPECT_EQ(s.down_observations, 0);
  // Unknown inside a streak neither extends it nor triggers on its own.
  NodeObservation down = unknown;
  down.health = HealthObservation::kDown;
  s = NodeState{};
  for (int64_t now = T0; now <= T0 + 20; now += 10) s = decide_node(s, down, settings(), now).next;
  EXPECT_EQ(s.down_observations, 3);
  EXPECT_EQ(decide_node(s, unknown, settings(), T0 + 400).action, NodeAction::kNone);
  EXPECT_EQ(decide_node(s, unknown, settings(), T0 + 400).next.down_observations, 3);
  EXPECT_EQ(decide_node(s, down, settings(), T0 + 400).action, NodeAction::kSelfTerminate);
}

TEST(NodeIdle, FailureStates) {
  NodeState s;
  int64_t now = T0;
  NodeState before = s;
  NodeDecision d = run_until_action(s, now, idle_obs(), 60, 3600);
  ASSERT_EQ(d.action, NodeAction::kLock);
  NodeState lf = after_lock_failed(before, d);
  EXPECT_FALSE(lf.locked);
  EXPECT_GE(lf.idle_s, 600);  // tries the lock again at the next step
  EXPECT_EQ(decide_node(lf, idle_obs(), settings(), now + 60).action, NodeAction::kLock);

  NodeState tf = after_terminate_failed(d.next, now + 15);
  EXPECT_FALSE(tf.locked);
  EXPECT_EQ(tf.idle_s, 0);

  NodeObservation busy = idle_obs();
  busy.has_jobs = Tri::kYes;
  NodeDecision u = decide_node(d.next, busy, settings(), now + 15);
  ASSERT_EQ(u.action, NodeAction::kUnlock);
  NodeState uf = after_unlock_failed(d.next, u);
  EXPECT_TRUE(uf.locked);
  EXPECT_EQ(decide_node(uf, busy, settings(), now + 75).action, NodeAction::kUnlock);
}

}  // namespace
}  // namespace ebbflow::core
