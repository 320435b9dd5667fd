// Policies on hand-made traces: ebbflow's release rule, ParallelCluster 2's loops, the lower
// bound, launch failures and insufficient capacity through the core, and determinism.
#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace ebbflow::sim {
namespace {
using testing::billed_seconds;
using testing::make_trace;
using testing::small_settings;

TEST(Policy, EbbflowReleasesSurplusIdleNodesAfterSurplusIdle) {
  // The job ends at 1300. The pool is the second largest demand of the six 10-min windows of the
  // last hour (0, 0, 1, 0, 0, 0 at 1320, newest first): empty, so with the default surplus of 0 s
  // the node goes at the first loop (multiple of 60 s): 1320, where clustermgtd (the core)
  // terminates it in the same loop. pcluster3 keeps it to 1920.
  auto r = run_policy(make_trace({{0, 1000, 1}}), Policy::kEbbflow, small_settings());
  EXPECT_DOUBLE_EQ(billed_seconds(r), 1320);
  EXPECT_EQ(r.terminations, 1);
  // With a 60 s surplus the first loop where it has idled 60 s is 1380.
  auto s = small_settings();
  s.ebbflow.surplus_idle = 60;
  EXPECT_DOUBLE_EQ(billed_seconds(run_policy(make_trace({{0, 1000, 1}}), Policy::kEbbflow, s)), 1380);
}

TEST(Policy, EbbflowKeepsIdleNodesTheIdleTimeWhileItLearns) {
  // A cluster that starts with the trace has seen no demand yet: for the first hour (the rule's
  // history) its idle nodes stay ScaledownIdletime, as pcluster3's do. The job ends at 1300, the
  // node has idled 600 s at 1900 and goes at the 1920 loop (pcluster3: SuspendTime from 1300,
  // released at 1920 too). A job ending after the first hour is judged by the rule alone.
  auto s = small_settings();
  s.ebbflow_cold_start = true;
  auto early = run_policy(make_trace({{0, 1000, 1}}), Policy::kEbbflow, s);
  auto pc3 = run_policy(make_trace({{0, 1000, 1}}), Policy::kPcluster3, s);
  EXPECT_DOUBLE_EQ(billed_seconds(early), 1920);
  EXPECT_DOUBLE_EQ(billed_seconds(early), billed_seconds(pc3));
  // Two jobs. The first (submitted at 0, so the history starts there) boots to 300 and ends at
  // 310: learning, its node idles 600 s and goes at the 960 loop (knowing the demand: at 360).
  // The second boots at 3600 and ends at 4900, past the hour: its node goes at the next loop,
  // 4920, either way (the pool is empty: one window of the last hour has a submit).
  auto late = run_policy(make_trace({{0, 10, 1}, {3600, 1000, 1}}), Policy::kEbbflow, s);
  auto late_known = run_policy(make_trace({{0, 10, 1}, {3600, 1000, 1}}), Policy::kEbbflow, small_settings());
  EXPECT_DOUBLE_EQ(billed_seconds(late), 960 + (4920 - 3600));
  EXPECT_DOUBLE_EQ(billed_seconds(late_known), 360 + (4920 - 3600));
}

TEST(Policy, EbbflowKeepsAWarmPoolSizedFromRecentArrivals) {
  // Jobs of one node arrive every 200 s; each runs 100 s. Job 0 boots 0..300 and runs to 400;
  // job 1 (200) arrives while that node boots, so it boots a second node (200..500). From job 2
  // (400, the end comes first) on, the warm nodes serve every job: two launches, two waits.
  std::vector<testing::J> jobs;
  for (int i = 0; i < 10; ++i) jobs.push_back({i * 200, 100, 1});
  auto r = run_policy(make_trace(jobs), Policy::kEbbflow, small_settings());
  EXPECT_EQ(r.launches, 2);
  EXPECT_EQ(r.boot_wait_jobs, 2);
  for (size_t j = 2; j < r.wait_by_job.size(); ++j) EXPECT_EQ(r.wait_by_job[j], 0) << j;
  // An 8-node job ends at 1300; one 1-node job arrives at 1350. With a 60 s surplus the nodes
  // are still there and it takes one. At the 1380 loop the windows hold 1 (1350) and 8 (0): the
  // pool is 1, one node is warm, six go. (With the default surplus of 0 s all eight would go at
  // 1320, where the pool is still empty, and the job would wait for a boot.)
  auto s = small_settings();
  s.ebbflow.surplus_idle = 60;
  auto burst = run_policy(make_trace({{0, 1000, 8}, {1350, 10, 1}}), Policy::kEbbflow, s);
  auto pc3 = run_policy(make_trace({{0, 1000, 8}, {1350, 10, 1}}), Policy::kPcluster3, s);
  EXPECT_LT(billed_seconds(burst), billed_seconds(pc3));
  EXPECT_EQ(burst.wait_by_job[1], 0);
  auto no_surplus = run_policy(make_trace({{0, 1000, 8}, {1350, 10, 1}}), Policy::kEbbflow, small_settings());
  EXPECT_GT(no_surplus.wait_by_job[1], 0);
  EXPECT_EQ(no_surplus.boot_wait_jobs, 2);
}

TEST(Policy, EbbflowFeedbackModelCountsThePcluster3BootWaits) {
  // pcluster3: job 0 boots (waits); job 1 (1350) takes a node idle since 1300; job 2 (3000) finds
  // every node released (the last at 1360 + 600) and waits. The feedback's idle-timer model runs
  // the same jobs on its own timeline (job 0 ends at 0 + 300 + 1000 there too) and counts the
  // same two, although ebbflow itself released the nodes at 1320 and had job 1 wait as well.
  auto trace = make_trace({{0, 1000, 8}, {1350, 10, 1}, {3000, 100, 2}});
  auto pc3 = run_policy(trace, Policy::kPcluster3, small_settings());
  auto ebb = run_policy(trace, Policy::kEbbflow, small_settings());
  EXPECT_EQ(pc3.boot_wait_jobs, 2);
  EXPECT_EQ(ebb.model_boot_wait_jobs, 2);
  EXPECT_EQ(ebb.boot_wait_jobs, 3);
  auto off = small_settings();
  off.ebbflow.feedback = false;
  EXPECT_EQ(run_policy(trace, Policy::kEbbflow, off).model_boot_wait_jobs, -1);
}

TEST(Policy, Pcluster2LaunchesAtTheJobwatcherLoopAndIdlesTenNodewatcherLoops) {
  // Submit at 10; jobwatcher's loop at 60 raises the group; the node boots 60..360 and runs the
  // job 360..460. nodewatcher's loops tick at 360 + k*60: idle at 480, ..., the 10th idle loop
  // is 1020, then a 15 s lock: terminated at 1035. Billed 60..1035.
  auto r = run_policy(make_trace({{10, 100, 1}}), Policy::kPcluster2, small_settings());
  EXPECT_EQ(r.wait_by_job[0], 350);
  EXPECT_DOUBLE_EQ(billed_seconds(r), 1035 - 60);
  EXPECT_EQ(r.api_calls, 2);  // UpdateAutoScalingGroup + TerminateInstanceInAutoScalingGroup
}

TEST(Policy, LowerBoundBillsOnlyRunTimesWithTheMinimum) {
  auto r = run_policy(make_trace({{0, 1000, 2}, {5, 30, 1}}), Policy::kLowerBound, small_settings());
  EXPECT_DOUBLE_EQ(billed_seconds(r), 2 * 1000 + 60);
  EXPECT_EQ(r.wait_mean_s, 0);
  EXPECT_EQ(r.launches, 3);
}

TEST(Policy, CostRatiosAreAgainstTheLowerBound) {
  auto trace = make_trace({{0, 1000, 1}});
  auto s = small_settings();
  std::vector<PolicyResult> rs{run_policy(trace, Policy::kPcluster3, s), run_policy(trace, Policy::kLowerBound, s)};
  fill_cost_ratios(rs, trace, s);
  EXPECT_DOUBLE_EQ(rs[0].cost_ratio, 1920.0 / 1000.0);
  EXPECT_DOUBLE_EQ(rs[1].cost_ratio, 1.0);
}

TEST(Policy, InsufficientCapacityDisablesTheComputeResourceThroughTheCore) {
  // Every launch in [0, 100) fails. The launch at 0 fails: the node goes down with the ICE
  // reason and the job is requeued. clustermgtd's loop at 60 (the core) disables the compute
  // resource for 600 s and sets the power-saved nodes down; at 660 it powers them down again,
  // they are usable after SuspendTimeout (780), the job's node boots 780..1080.
  auto s = small_settings();
  s.cloud.ice_periods = {{0, 100}};
  auto r = run_policy(make_trace({{0, 100, 1}}), Policy::kPcluster3, s);
  EXPECT_EQ(r.launch_failures, 1);
  EXPECT_EQ(r.wait_by_job[0], 1080);
  EXPECT_EQ(r.launches, 1);
  EXPECT_EQ(r.terminations, 1);
}

TEST(Policy, SameSeedSameNumbersOtherSeedOtherBoots) {
  std::vector<testing::J> jobs;
  for (int i = 0; i < 40; ++i) jobs.push_back({i * 97, 50 + (i * 37) % 400, 1 + i % 3});
  auto trace = make_trace(jobs);
  auto s = small_settings();
  s.cloud.boot_jitter_s = 120;
  s.cloud.launch_failure_rate = 0.1;
  s.seed = 7;
  auto a = run_policy(trace, Policy::kEbbflow, s);
  auto b = run_policy(trace, Policy::kEbbflow, s);
  EXPECT_EQ(a.wait_by_job, b.wait_by_job);
  EXPECT_DOUBLE_EQ(a.billed_node_hours, b.billed_node_hours);
  EXPECT_EQ(a.launch_failures, b.launch_failures);
  s.seed = 8;
  auto c = run_policy(trace, Policy::kEbbflow, s);
  EXPECT_NE(a.wait_by_job, c.wait_by_job);
  for (int64_t w : c.wait_by_job) EXPECT_GE(w, 0);  // every job ran despite failures
}

}  // namespace
}  // namespace ebbflow::sim
