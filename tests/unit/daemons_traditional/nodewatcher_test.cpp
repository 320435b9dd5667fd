// nodewatcher scenarios: one compute node, its group and the scheduler as fakes; the test
// calls run_once at the times the daemon asks for (outcome.next_check_at), never sleeping.
#include "daemons/traditional/nodewatcher.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fakes.h"

namespace ebbflow::daemons {
namespace {

using testing::FakeAsg;
using testing::FakeScheduler;
using testing::TempEventLog;

constexpr int64_t T0 = 1'800'000'000;
const std::string kHost = "ip-10-0-0-7";
const std::string kInstance = "i-0007";

struct Rig {
  FakeAsg asg{0, 3, 10};
  FakeScheduler sched;
  TempEventLog log;
  int64_t now = T0;
  std::unique_ptr<Nodewatcher> nw;
  Rig() {
    sched.hosts.insert(kHost);
    restart();
  }
  NodewatcherSettings settings() const {
    NodewatcherSettings s;
    s.instance_id = kInstance;
    s.hostname = kHost;
    s.group_name = "c-compute";
    s.scaledown_idletime_s = 600;
    s.down_timeout_s = 300;
    s.state_file = log.dir() + "/nodewatcher.json";
    return s;
  }
  void restart() { nw = std::make_unique<Nodewatcher>(asg, sched, log.log(), settings()); }
  // One step now; then advances the clock to the time the daemon asked for.
  NodewatcherOutcome step() {
    auto out = nw->run_once(now);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().describe());
    if (!out.ok()) return {};
    EXPECT_GT(out->next_check_at, now);
    now = out->next_check_at;
    return *out;
  }
  // Steps until an action other than none, or `limit` seconds.
  NodewatcherOutcome until_action(int64_t limit) {
    const int64_t end = now + limit;
    while (now <= end) {
      auto out = step();
      if (out.action != core::NodeAction::kNone || out.terminated) return out;
    }
    return {};
  }
};

TEST(Nodewatcher, IdlePastIdletimeLocksSettlesAndTerminatesWithDecrement) {
  Rig r;
  auto lock = r.until_action(3600);
  ASSERT_EQ(lock.action, core::NodeAction::kLock);
  EXPECT_EQ(r.now - T0, 600 + 15);  // locked at T0+600; next check after the 15 s settle
  EXPECT_TRUE(r.sched.locked.count(kHost));
  auto term = r.step();
  EXPECT_TRUE(term.terminated);
  EXPECT_EQ(term.action, core::NodeAction::kTerminate);
  ASSERT_EQ(r.asg.terminations.size(), 1u);
  EXPECT_EQ(r.asg.terminations[0], std::make_pair(kInstance, true));
  EXPECT_EQ(r.asg.group.desired_capacity, 2);
  auto ev = r.log.with("terminate-instance", "scale-down");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["component"], "nodewatcher");
  EXPECT_EQ(ev[0]["instances"][0], kInstance);
  EXPECT_EQ(r.log.with("lock-host", "scale-down").size(), 1u);
}

TEST(Nodewatcher, JobLandingDuringSettleUnlocksAndKeepsTheNode) {
  Rig r;
  ASSERT_EQ(r.until_action(3600).action, core::NodeAction::kLock);
  r.sched.running.insert(kHost);  // a job was placed before the lock took effect
  auto out = r.step();
  EXPECT_EQ(out.action, core::NodeAction::kUnlock);
  EXPECT_FALSE(out.terminated);
  EXPECT_FALSE(r.sched.locked.count(kHost));
  EXPECT_TRUE(r.asg.terminations.empty());
  EXPECT_EQ(r.nw->state().idle_s, 0);
  EXPECT_EQ(r.log.with("unlock-host", "settle-recheck").size(), 1u);
}

TEST(Nodewatcher, NeverTerminatesANodeWithARunningJob) {
  Rig r;
  r.sched.running.insert(kHost);
  for (int i = 0; i < 300; ++i) {
    // Even reported down by the scheduler, with the group far above min.
    if (i == 100) r.sched.health[kHost] = sched::NodeHealth::kDown;
    if (i == 200) r.sched.health[kHost] = sched::NodeHealth::kMissing;
    auto out = r.step();
    ASSERT_FALSE(out.terminated) << i;
  }
  EXPECT_TRUE(r.asg.terminations.empty());
  EXPECT_EQ(r.sched.lock_calls, 0);
}

TEST(Nodewatcher, FailedSchedulerQueriesNeverCountAsDownOrIdle) {
  Rig r;
  r.sched.reachable = false;
  for (int i = 0; i < 200; ++i) ASSERT_FALSE(r.step().terminated);  // 200 minutes of failures
  EXPECT_TRUE(r.asg.terminations.empty());
  EXPECT_EQ(r.sched.lock_calls, 0);
  EXPECT_EQ(r.nw->state().idle_s, 0);
  EXPECT_EQ(r.nw->state().down_observations, 0);
  // Back: the idle count starts from here, not from the outage.
  r.sched.reachable = true;
  const int64_t back = r.now;
  auto lock = r.until_action(3600);
  ASSERT_EQ(lock.action, core::NodeAction::kLock);
  EXPECT_GE(r.now - back, 600);
}

TEST(Nodewatcher, DownContinuouslyForTheTimeoutSelfTerminates) {
  Rig r;
  r.sched.pending = true;  // the idle rule stays quiet: only the down rule can act
  r.sched.health[kHost] = sched::NodeHealth::kDown;
  auto first = r.step();
  EXPECT_EQ(first.next_check_at, T0 + 10);  // polls faster once down
  EXPECT_EQ(r.log.with("note", "node-down").size(), 1u);
  auto out = r.until_action(600);
  EXPECT_TRUE(out.terminated);
  EXPECT_EQ(out.action, core::NodeAction::kSelfTerminate);
  EXPECT_GE(r.now - T0, 300);
  ASSERT_EQ(r.asg.terminations.size(), 1u);
  EXPECT_TRUE(r.asg.terminations[0].second);  // desired 3 > min 0: decrement
  EXPECT_EQ(r.log.with("self-terminate", "node-down").size(), 1u);
}

TEST(Nodewatcher, DownInterruptedByUnknownAndUpIsNotContinuous) {
  Rig r;
  r.sched.pending = true;
  r.sched.health[kHost] = sched::NodeHealth::kDown;
  for (int i = 0; i < 20; ++i) r.step();  // ~200 s down
  r.sched.health[kHost] = sched::NodeHealth::kUp;
  r.step();
  r.sched.health[kHost] = sched::NodeHealth::kDown;
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(r.step().terminated) << i;  // a fresh 200 s streak
  EXPECT_TRUE(r.asg.terminations.empty());
}

TEST(Nodewatcher, DesiredAtMinKeepsTheNode) {
  Rig r;
  r.asg.group.min_size = 3;
  r.asg.group.desired_capacity = 3;
  for (int i = 0; i < 120; ++i) ASSERT_FALSE(r.step().terminated);
  EXPECT_EQ(r.sched.lock_calls, 0);
  EXPECT_EQ(r.nw->state().idle_s, 0);
}

TEST(Nodewatcher, ValidationErrorFromTheGroupUnlocksAndKeepsRunning) {
  Rig r;
  ASSERT_EQ(r.until_action(3600).action, core::NodeAction::kLock);
  // Another node scaled in meanwhile: now at min, the decrement is refused.
  r.asg.group.min_size = 3;
  auto out = r.step();
  EXPECT_EQ(out.action, core::NodeAction::kTerminate);
  EXPECT_FALSE(out.terminated);
  EXPECT_FALSE(out.action_ok);
  EXPECT_FALSE(r.sched.locked.count(kHost));
  EXPECT_EQ(r.nw->state().idle_s, 0);
  EXPECT_FALSE(r.nw->state().locked);
  auto ev = r.log.with("terminate-instance", "scale-down");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0]["reason"].get<std::string>().find("min size reached"), std::string::npos);
  EXPECT_NE(ev[0]["outcome"].get<std::string>().find("ValidationError"), std::string::npos);
  // And keeps running: at min it is never locked again.
  for (int i = 0; i < 30; ++i) ASSERT_FALSE(r.step().terminated);
  EXPECT_EQ(r.sched.lock_calls, 1);
}

TEST(Nodewatcher, RestartKeepsIdleTime) {
  Rig r;
  for (int i = 0; i < 6; ++i) r.step();  // 5 minutes counted
  EXPECT_EQ(r.nw->state().idle_s, 300);
  r.restart();  // the process restarts (same state file)
  EXPECT_EQ(r.nw->state().idle_s, 300);
  auto lock = r.until_action(3600);
  ASSERT_EQ(lock.action, core::NodeAction::kLock);
  EXPECT_LE(r.now - T0, 600 + 15 + 60);
}

TEST(Nodewatcher, RestartWhileLockedRechecks) {
  Rig r;
  ASSERT_EQ(r.until_action(3600).action, core::NodeAction::kLock);
  r.restart();
  EXPECT_TRUE(r.nw->state().locked);
  r.sched.running.insert(kHost);
  EXPECT_EQ(r.step().action, core::NodeAction::kUnlock);
}

TEST(Nodewatcher, UnreadableStateFileStartsFreshWithAnEvent) {
  Rig r;
  { std::ofstream(r.settings().state_file) << "{broken"; }
  r.restart();
  EXPECT_EQ(r.nw->state(), core::NodeState{});
  r.step();
  auto notes = r.log.with("note", "state");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]["outcome"], "error");
}

TEST(Nodewatcher, LockFailureKeepsIdleAndTriesAgain) {
  Rig r;
  r.sched.fail_lock = true;
  auto failed = r.until_action(3600);
  ASSERT_EQ(failed.action, core::NodeAction::kLock);
  EXPECT_FALSE(failed.action_ok);
  EXPECT_FALSE(r.nw->state().locked);
  EXPECT_GE(r.nw->state().idle_s, 600);
  EXPECT_EQ(r.log.with("lock-host", "scale-down").at(0)["outcome"].get<std::string>().substr(0, 7), "Timeout");
  r.sched.fail_lock = false;
  auto again = r.step();  // the next step tries the lock again
  EXPECT_EQ(again.action, core::NodeAction::kLock);
  EXPECT_TRUE(again.action_ok);
  EXPECT_TRUE(r.sched.locked.count(kHost));
}

TEST(Nodewatcher, SchedulerDropsOutWhenTheLockIsDue) {
  Rig r;
  for (int i = 0; i < 10; ++i) r.step();  // 540 s idle
  // The scheduler drops out exactly when the lock is due.
  r.sched.reachable = false;
  auto out = r.step();
  EXPECT_EQ(out.action, core::NodeAction::kNone);  // has_jobs unknown: no lock attempted
  r.sched.reachable = true;
  auto lock = r.until_action(600);
  EXPECT_EQ(lock.action, core::NodeAction::kLock);
}

TEST(NodeStateJson, RoundTripAndErrors) {
  core::NodeState s;
  s.idle_s = 420;
  s.idle_anchor = T0;
  s.locked = true;
  s.locked_at = T0 + 5;
  s.down_since = T0 - 30;
  s.down_observations = 4;
  auto back = node_state_from_json(node_state_to_json(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
  core::NodeState fresh;
  EXPECT_EQ(*node_state_from_json(node_state_to_json(fresh)), fresh);
  auto bad = node_state_from_json(R"({"idle_s":"ten"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("idle_s"), std::string::npos);
  EXPECT_FALSE(node_state_from_json(R"({"idle_s":-5})").ok());
  EXPECT_TRUE(load_node_state("/nonexistent/dir/state.json").ok());  // missing: fresh
}

}  // namespace
}  // namespace ebbflow::daemons
