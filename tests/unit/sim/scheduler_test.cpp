// Hand-made traces whose answers are worked out by hand in the comments.
#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace ebbflow::sim {
namespace {
using testing::billed_seconds;
using testing::make_trace;
using testing::small_settings;

TEST(Scheduler, FirstJobWaitsExactlyTheBootTime) {
  // An empty elastic cluster: the job's node is powered up at submit and boots for 300 s.
  auto trace = make_trace({{0, 1000, 1}});
  for (Policy p : {Policy::kPcluster3, Policy::kEbbflow}) {
    auto r = run_policy(trace, p, small_settings());
    EXPECT_EQ(r.wait_by_job[0], 300) << policy_name(p);
    EXPECT_EQ(r.boot_wait_jobs, 1);
    EXPECT_EQ(r.launches, 1);
    EXPECT_EQ(r.terminations, 1);
  }
}

TEST(Scheduler, Pcluster3ReleasesAnIdleNodeAtSuspendTimeThenTheNextLoop) {
  // Job 0..1000 starts at 300 (boot) and ends at 1300. SuspendTime 600: Slurm powers the node
  // down at 1900; clustermgtd's next 60 s loop (1920) terminates the instance. Billed 0..1920.
  auto r = run_policy(make_trace({{0, 1000, 1}}), Policy::kPcluster3, small_settings());
  EXPECT_DOUBLE_EQ(billed_seconds(r), 1920);
  EXPECT_DOUBLE_EQ(r.boot_node_hours * 3600, 300);
  EXPECT_DOUBLE_EQ(r.idle_node_hours * 3600, 1920 - 300 - 1000);
  EXPECT_GE(r.core_calls, 1);
}

TEST(Scheduler, IdleNodeIsReusedBeforeItsTimerButNotAtIt) {
  // The node idles from 1300; its timer fires at 1900. Ends and timers run before submits at
  // the same second, so a job at 1899 reuses the node and a job at 1900 boots a new one.
  auto before = run_policy(make_trace({{0, 1000, 1}, {1899, 10, 1}}), Policy::kPcluster3, small_settings());
  EXPECT_EQ(before.wait_by_job[1], 0);
  EXPECT_EQ(before.launches, 1);
  auto at = run_policy(make_trace({{0, 1000, 1}, {1900, 10, 1}}), Policy::kPcluster3, small_settings());
  EXPECT_EQ(at.wait_by_job[1], 300);
  EXPECT_EQ(at.launches, 2);
}

TEST(Scheduler, EasyBackfillStartsASmallJobAheadOfALargeOne) {
  // Two static nodes. Job A (1 node, 0..100). Job B (2 nodes) at 1 must wait for A: its
  // reservation is at 100. Job C (1 node, asks 50 s) at 2 ends by 52 <= 100: backfilled at once.
  // Job D (1 node, asks 200 s) at 3 would delay B: it waits for B (100..110) and starts at 110.
  auto s = small_settings();
  s.max_nodes = 2;
  auto trace = make_trace({{0, 100, 1}, {1, 10, 2}, {2, 40, 1, 50}, {3, 10, 1, 200}});
  auto r = run_policy(trace, Policy::kStatic, s);
  EXPECT_EQ(r.wait_by_job[0], 0);
  EXPECT_EQ(r.wait_by_job[1], 99);
  EXPECT_EQ(r.wait_by_job[2], 0);
  EXPECT_EQ(r.wait_by_job[3], 107);
  EXPECT_EQ(r.launches, 2);
  EXPECT_DOUBLE_EQ(billed_seconds(r), 2 * 120.0);  // two nodes from the first submit to the last end
}

TEST(Scheduler, BackfillWithoutDepthKeepsFcfs) {
  auto s = small_settings();
  s.max_nodes = 2;
  s.backfill_depth = 0;
  auto trace = make_trace({{0, 100, 1}, {1, 10, 2}, {2, 40, 1, 50}});
  auto r = run_policy(trace, Policy::kStatic, s);
  EXPECT_EQ(r.wait_by_job[2], 108);  // behind B (100..110)
}

TEST(Scheduler, LargeJobHoldsIdleNodesWhileOthersBoot) {
  // A (1 node) 0..100 after a 300 s boot: runs 300..400, node idle from 400. B (2 nodes) at 500
  // takes the idle node and boots one more: starts at 800. Both nodes bill while it waits.
  auto r = run_policy(make_trace({{0, 100, 1}, {500, 100, 2}}), Policy::kPcluster3, small_settings());
  EXPECT_EQ(r.wait_by_job[1], 300);
  EXPECT_EQ(r.launches, 2);
  EXPECT_EQ(r.boot_wait_jobs, 2);
}

}  // namespace
}  // namespace ebbflow::sim
