#include <gtest/gtest.h>

#include "core/scale_down_policy.h"

namespace ebbflow::core {
namespace {

TEST(ScaleDownPolicy, WarmPoolCountsNodesRequestedInTheWindow) {
  ScaleDownSettings s;
  s.window = 600;
  s.history = 600;  // one window: the pool is the nodes requested in the last 600 s
  std::vector<Arrival> a{{100, 5}, {1000, 2}, {1500, 3}};
  EXPECT_EQ(warm_pool_size(a, 1599, s), 5);  // (999, 1599]
  EXPECT_EQ(warm_pool_size(a, 1600, s), 3);  // (1000, 1600]: 1000 falls out
  s.warm_factor = 1.5;
  EXPECT_EQ(warm_pool_size(a, 1600, s), 5);  // ceil(4.5)
  s.min_warm = 9;
  EXPECT_EQ(warm_pool_size(a, 1600, s), 9);
}

TEST(ScaleDownPolicy, WarmNodesIdleToTheLimitOthersGoAfterSurplusIdle) {
  ScaleDownSettings s;
  s.idle_limit = 600;
  s.surplus_idle = 60;
  s.window = 600;
  s.history = 600;
  s.rank_decay = 0;  // every pool node may idle idle_limit
  std::vector<Arrival> a{{950, 1}};
  // Reuse order: node 0 reused first (warm), nodes 1 and 2 beyond the pool of one.
  std::vector<int64_t> since{900, 900, 990};
  auto r = choose_nodes_to_release(since, a, 1000, s);
  EXPECT_EQ(r, (std::vector<size_t>{1}));  // node 2 idles 10 s < 60
  auto later = choose_nodes_to_release(since, a, 1500, s);  // no arrival in the window any more
  EXPECT_EQ(later, (std::vector<size_t>{0, 1, 2}));
}

TEST(ScaleDownPolicy, DemandPerWindowSplitsTheHistoryIntoWindowsEndingNow) {
  ScaleDownSettings s;
  s.window = 100;
  s.history = 350;  // three whole windows: (700, 800], (800, 900], (900, 1000]
  std::vector<Arrival> a{{650, 7}, {700, 1}, {701, 2}, {800, 4}, {850, 1}, {950, 3}, {1000, 5}, {1001, 9}};
  // Element 0 is the newest window; 650, 700 (outside) and 1001 (after now) do not count; 800
  // closes the oldest window.
  EXPECT_EQ(demand_per_window(a, 1000, s), (std::vector<int64_t>{8, 1, 6}));
}

TEST(ScaleDownPolicy, WarmPoolIsAQuantileOfTheWindowDemands) {
  ScaleDownSettings s;
  s.window = 100;
  s.history = 400;
  // Windows, newest first: 128 (one large job), 2, 1, 3.
  std::vector<Arrival> a{{650, 3}, {750, 1}, {850, 2}, {950, 128}};
  s.quantile = 1.0;
  EXPECT_EQ(warm_pool_size(a, 1000, s), 128);  // the largest window
  s.quantile = 0.75;
  EXPECT_EQ(warm_pool_size(a, 1000, s), 3);    // rank ceil(0.75 x 4) = 3 of {1, 2, 3, 128}
  s.quantile = 0.5;
  EXPECT_EQ(warm_pool_size(a, 1000, s), 2);
  s.quantile = 0.0;
  EXPECT_EQ(warm_pool_size(a, 1000, s), 1);    // the smallest
  s.history = 100;                             // one window: the last one, whatever the quantile
  EXPECT_EQ(warm_pool_size(a, 1000, s), 128);
}

TEST(ScaleDownPolicy, IdleLimitFallsWithRankInThePool) {
  ScaleDownSettings s;
  s.idle_limit = 1860;
  s.surplus_idle = 60;
  s.rank_decay = 1;
  // Pool of 4: ranks 0..3 get 60 + 1800 x (1 - r/4); rank 4 and beyond are surplus.
  EXPECT_EQ(idle_limit_at_rank(0, 4, s), 1860);
  EXPECT_EQ(idle_limit_at_rank(1, 4, s), 1410);
  EXPECT_EQ(idle_limit_at_rank(2, 4, s), 960);
  EXPECT_EQ(idle_limit_at_rank(3, 4, s), 510);
  EXPECT_EQ(idle_limit_at_rank(4, 4, s), 60);
  s.rank_decay = 2;  // (1 - r/4)^2: 1, 0.5625, 0.25, 0.0625
  EXPECT_EQ(idle_limit_at_rank(1, 4, s), 60 + 1012);
  EXPECT_EQ(idle_limit_at_rank(3, 4, s), 60 + 112);
  s.rank_decay = 0;
  EXPECT_EQ(idle_limit_at_rank(3, 4, s), 1860);
  EXPECT_EQ(idle_limit_at_rank(0, 0, s), 60);  // no pool: everything is surplus
}

TEST(ScaleDownPolicy, DefaultRuleKeepsThePoolFirstNodesLongestAndIgnoresOneLargeJob) {
  ScaleDownSettings s;  // defaults: 6 windows of 600 s, quantile 0.7 (the second largest), decay 1
  s.idle_limit = 1860;
  s.surplus_idle = 60;
  // Last hour, newest window first: 64 (one large job), 0, 0, 2, 2, 1 -> sorted 0 0 1 2 2 64,
  // rank ceil(0.7 x 6) = 5: pool 2 (the last window's sum would give 64).
  std::vector<Arrival> a{{7000, 1}, {7500, 2}, {8000, 2}, {9500, 64}};
  EXPECT_EQ(warm_pool_size(a, 10000, s), 2);
  // Five idle nodes in reuse order, at now = 10000. Rank 0 may idle 1860 s, rank 1 960 s, ranks
  // 2..4 are surplus (60 s).
  std::vector<int64_t> since{9000, 9100, 9900, 9990, 8000};
  // idle 1000 < 1860 stays; 900 < 960 stays; 100 >= 60 goes; 10 < 60 stays; 2000 goes.
  EXPECT_EQ(choose_nodes_to_release(since, a, 10000, s), (std::vector<size_t>{2, 4}));
  s.quantile = 0.0;  // the smallest window's demand, 0: every node is surplus
  EXPECT_EQ(choose_nodes_to_release(since, a, 10000, s), (std::vector<size_t>{0, 1, 2, 4}));
}

TEST(ScaleDownPolicy, PeriodicCapLooksAtWhatFollowedThisTimeInPastPeriods) {
  ScaleDownSettings s;
  s.window = 100;
  s.history = 300;  // recent: three windows
  s.quantile = 1.0;
  s.periods = 2;
  s.period = 1000;
  s.periodic_horizon = 200;
  s.periodic_quantile = 1.0;
  s.periodic_floor_newest = 0;  // no floor from the newest window until said
  std::vector<Arrival> a{{3050, 2}, {3150, 1}, {4120, 3}, {4950, 10}};
  // Recent windows at now = 5000: (4900, 5000] holds 10 nodes. One period back the horizon is
  // (4000, 4200]: windows 0 and 3; two periods back (3000, 3200]: windows 2 and 1. Largest 3.
  EXPECT_EQ(periodic_pool_size(a, 5000, s), 3);
  EXPECT_EQ(warm_pool_size(a, 5000, s), 3);  // min(10, 3)
  s.periodic_quantile = 0.0;                // the smallest of {3, 0, 1, 2}
  EXPECT_EQ(warm_pool_size(a, 5000, s), 0);
  s.periodic_quantile = 1.0;
  s.periodic_floor_newest = 1.0;  // 10 nodes arriving now override the past days
  EXPECT_EQ(warm_pool_size(a, 5000, s), 10);
  s.periodic_floor_newest = 0.2;  // floor ceil(2) < 3: the cap stays 3
  EXPECT_EQ(warm_pool_size(a, 5000, s), 3);
  s.periods = 1;  // only (4000, 4200]
  s.periodic_floor_newest = 0;
  EXPECT_EQ(periodic_pool_size(a, 5000, s), 3);
  EXPECT_EQ(periodic_pool_size(a, 4000, s), 2);   // (3000, 3200]: windows 2 and 1
  EXPECT_EQ(periodic_pool_size(a, 3000, s), -1);  // (2000, 2200] ends before the first submit
  s.periods = 0;                                  // off
  EXPECT_EQ(periodic_pool_size(a, 5000, s), -1);
  EXPECT_EQ(warm_pool_size(a, 5000, s), 10);
}

TEST(ScaleDownPolicy, FreeUpsWithinTheHorizonPushIdleNodesBack) {
  ScaleDownSettings s;
  s.idle_limit = 1000;
  s.surplus_idle = 0;
  s.window = 600;
  s.history = 600;
  s.rank_decay = 0;  // flat: every pool node may idle 1000 s
  std::vector<Arrival> a{{900, 2}};  // pool of two at now = 1000
  std::vector<int64_t> since{900, 800, 700};
  // Running jobs end (by estimate) at 1050 (1 node), 1200 (1 node), 5000 (4 nodes), 950 (past).
  std::vector<ExpectedFreeUp> running{{1050, 1}, {1200, 1}, {5000, 4}, {950, 3}};
  EXPECT_EQ(nodes_freed_soon(running, 1000, s), 0);  // horizon 0: off
  EXPECT_EQ(choose_nodes_to_release(since, a, 1000, s, running), (std::vector<size_t>{2}));
  s.freeup_horizon = 100;  // only the job ending at 1050: ranks shift by one
  EXPECT_EQ(nodes_freed_soon(running, 1000, s), 1);
  EXPECT_EQ(choose_nodes_to_release(since, a, 1000, s, running), (std::vector<size_t>{1, 2}));
  s.freeup_horizon = 300;  // 1050 and 1200: both pool ranks are taken by the freed nodes
  EXPECT_EQ(nodes_freed_soon(running, 1000, s), 2);
  EXPECT_EQ(choose_nodes_to_release(since, a, 1000, s, running), (std::vector<size_t>{0, 1, 2}));
}

}  // namespace
}  // namespace ebbflow::core

namespace ebbflow::core {
namespace {

TEST(ScaleDownPolicy, PoolScaleMultipliesThePoolAfterTheCap) {
  ScaleDownSettings s;
  s.window = 600;
  s.history = 600;
  s.periods = 0;
  std::vector<Arrival> a{{900, 3}};
  s.pool_scale = 1.5;
  EXPECT_EQ(warm_pool_size(a, 1000, s), 5);  // ceil(1.5 x 3)
  s.pool_scale = 0.5;
  EXPECT_EQ(warm_pool_size(a, 1000, s), 2);  // ceil(1.5)
  // The idle limits follow the scaled pool: rank 1 of 2 idles half the limit.
  s.idle_limit = 1000;
  EXPECT_EQ(choose_nodes_to_release(std::vector<int64_t>{600, 600, 600}, a, 1000, s), (std::vector<size_t>{2}));
  EXPECT_EQ(choose_nodes_to_release(std::vector<int64_t>{400, 499, 600}, a, 1000, s), (std::vector<size_t>{1, 2}));
}

ScaleDownSettings feedback_settings() {
  ScaleDownSettings s;
  s.feedback = true;
  s.feedback_idle_timer = 600;
  s.feedback_boot_time = 300;
  s.feedback_lag = 0;     // the model keeps up with the present
  s.feedback_margin = 0.1;
  s.feedback_memory = 0;  // no forgetting: the balance is a plain sum
  s.feedback_gain = 0.1;
  return s;
}

TEST(BootWaitFeedback, IdleTimerModelReleasesAtTheTimerAndReusesTheNewestFirst) {
  const ScaleDownSettings s = feedback_settings();
  BootWaitFeedback fb;
  feedback_on_submit(fb, 0, 1, 1, s);  // nothing idle: both jobs wait 300 s for a boot in the model
  feedback_on_submit(fb, 0, 2, 1, s);
  EXPECT_EQ(fb.model_boot_waits, 2);
  feedback_on_end(fb, 400, 1, 100, s);  // ran 100 s: ends at 0 + 300 + 100 in the model too
  feedback_on_end(fb, 500, 2, 200, s);  // ends at 500
  feedback_on_submit(fb, 950, 3, 1, s);  // takes the node idle since 500, the newest
  EXPECT_EQ(fb.model_boot_waits, 2);
  feedback_on_submit(fb, 1000, 4, 1, s);  // the node since 400 idled 600 s: released, so a boot
  EXPECT_EQ(fb.model_boot_waits, 3);
  EXPECT_EQ(fb.jobs, 4);
  // Oldest first would have given job 3 the node since 400 and job 4 the one since 500: no boot.
}

TEST(BootWaitFeedback, AJobThatWaitsInTheModelEndsLaterThere) {
  const ScaleDownSettings s = feedback_settings();
  BootWaitFeedback fb;
  feedback_on_submit(fb, 0, 1, 1, s);    // waits in the model (not here): starts at 300 there
  feedback_on_end(fb, 100, 1, 100, s);   // here it ran 0..100; in the model it ends at 400
  feedback_on_submit(fb, 200, 2, 1, s);  // here the node of job 1 is idle; in the model it is busy
  EXPECT_EQ(fb.model_boot_waits, 2);
  feedback_on_submit(fb, 500, 3, 1, s);  // the model's job 1 ended at 400: its node is reused
  EXPECT_EQ(fb.model_boot_waits, 2);
  EXPECT_EQ(fb.jobs, 3);
}

TEST(BootWaitFeedback, ModelRunsTheLagBehind) {
  ScaleDownSettings s = feedback_settings();
  s.feedback_lag = 600;
  BootWaitFeedback fb;
  feedback_on_submit(fb, 0, 1, 1, s);
  EXPECT_EQ(fb.jobs, 0);  // the model is at -600
  feedback_advance(fb, 599, s);
  EXPECT_EQ(fb.jobs, 0);
  feedback_advance(fb, 600, s);
  EXPECT_EQ(fb.jobs, 1);
  EXPECT_EQ(fb.model_boot_waits, 1);
}

TEST(BootWaitFeedback, BalanceCountsOurWaitsAgainstTheModelsAndSetsTheScale) {
  ScaleDownSettings s = feedback_settings();
  BootWaitFeedback fb;
  EXPECT_EQ(with_feedback(s, fb).pool_scale, 1.0);
  feedback_on_submit(fb, 0, 1, 1, s);  // model waits: +0.1 margin - 1
  EXPECT_NEAR(fb.balance, -0.9, 1e-12);
  EXPECT_NEAR(with_feedback(s, fb).pool_scale, 0.91, 1e-12);  // fewer waits than the model: narrower
  feedback_on_start(fb, 300, true, s);  // we waited too
  feedback_on_start(fb, 300, true, s);  // and once more than the model
  EXPECT_NEAR(fb.balance, 1.1, 1e-12);
  EXPECT_NEAR(with_feedback(s, fb).pool_scale, 1.11, 1e-12);  // more waits: wider
  s.feedback_max_scale = 1.05;
  EXPECT_NEAR(with_feedback(s, fb).pool_scale, 1.05, 1e-12);
  s.feedback_memory = 2;  // each job halves what came before
  feedback_on_submit(fb, 10, 2, 1, s);  // model waits again: 1.1 / 2 + 0.1 - 1
  EXPECT_NEAR(fb.balance, -0.35, 1e-12);
  s.feedback = false;
  EXPECT_EQ(with_feedback(s, fb).pool_scale, 1.0);
  feedback_on_start(fb, 400, true, s);  // ignored when off
  EXPECT_EQ(fb.boot_waits, 2);
}

TEST(BootWaitFeedback, ACancelledJobLeavesTheModelOrEndsThereAtOnce) {
  ScaleDownSettings s = feedback_settings();
  s.feedback_lag = 600;
  BootWaitFeedback fb;
  feedback_on_submit(fb, 0, 1, 4, s);
  feedback_on_cancel(fb, 300, 1, s);  // the model (at -300) has not reached the submit: forgotten
  feedback_advance(fb, 2000, s);
  EXPECT_EQ(fb.jobs, 0);
  EXPECT_EQ(fb.model_boot_waits, 0);
  EXPECT_TRUE(fb.model_jobs.empty());
  feedback_on_submit(fb, 2000, 2, 2, s);
  feedback_advance(fb, 2600, s);  // the model starts job 2 (a boot) at 2000 + 300
  EXPECT_EQ(fb.model_boot_waits, 1);
  feedback_on_cancel(fb, 2700, 2, s);  // too late to forget: it ends there at its start
  feedback_advance(fb, 2900, s);
  EXPECT_TRUE(fb.model_jobs.empty());
  ASSERT_EQ(fb.model_idle.size(), 1u);
  EXPECT_EQ(fb.model_idle.begin()->first, 2300);
  EXPECT_EQ(fb.model_idle.begin()->second, 2);
}

TEST(BootWaitFeedback, AFailedLaunchInTheModelIsRetriedAndItsBootedNodesGoIdle) {
  ScaleDownSettings s = feedback_settings();  // timer 600 s, boot 300 s, no lag
  BootWaitFeedback fb;
  feedback_on_submit(fb, 0, 1, 1, s);   // a boot; starts at 300 in the model
  feedback_on_end(fb, 400, 1, 100, s);  // ends at 400 there: one node idle since 400
  feedback_on_launch(fb, 1, 1, s);      // every launch seen so far failed: the model's fail too
  feedback_on_submit(fb, 500, 2, 3, s); // takes the idle node, launches 2: fails
  EXPECT_EQ(fb.jobs, 2);
  EXPECT_EQ(fb.model_boot_waits, 2);
  ASSERT_EQ(fb.model_jobs.count(2), 1u);
  EXPECT_EQ(fb.model_jobs.at(2).attempts, 1);
  EXPECT_EQ(fb.model_jobs.at(2).delay, -1);  // not started: retried a loop later
  EXPECT_EQ(fb.model_idle.at(500), 1);       // the node it had taken is idle again
  s.feedback_model_failures = false;         // the retry's launch works
  feedback_advance(fb, 560, s);
  EXPECT_EQ(fb.model_jobs.at(2).delay, 60 + 300);  // retried at 560, booted for 300 s
  EXPECT_EQ(fb.jobs, 2);                            // counted once
  EXPECT_EQ(fb.model_boot_waits, 2);
  EXPECT_EQ(fb.model_idle.count(500), 0u);  // the retry took it back
  feedback_advance(fb, 800, s);             // the failed launch's other node has booted: idle
  EXPECT_EQ(fb.model_idle.at(800), 1);
}

TEST(BootWaitFeedback, TheModelFailsLaunchesAtTheRateSeen) {
  ScaleDownSettings s = feedback_settings();
  BootWaitFeedback fb;
  feedback_on_launch(fb, 100, 10, s);  // 10 % of node launches failed
  int retried = 0;
  for (int64_t id = 0; id < 4000; ++id) {
    feedback_on_submit(fb, id * 1000, id, 1, s);  // nothing idle: each launches one node
    feedback_advance(fb, id * 1000 + 999, s);
    const auto& job = fb.model_jobs.at(id);  // run unknown: the job stays in the model
    EXPECT_EQ(job.delay, 300 + 60 * job.attempts);
    retried += job.attempts > 0;
  }
  EXPECT_GT(retried, 4000 * 0.08);
  EXPECT_LT(retried, 4000 * 0.12);
  s.feedback_model_failures = false;
  BootWaitFeedback never;
  feedback_on_launch(never, 100, 10, s);
  feedback_on_submit(never, 0, 1, 1, s);
  EXPECT_EQ(never.model_jobs.at(1).delay, 300);
}

}  // namespace
}  // namespace ebbflow::core
