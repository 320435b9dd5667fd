#include <gtest/gtest.h>

#include "core/scale_down_policy.h"

namespace ebbflow::core {
namespace {

TEST(ScaleDownPolicy, WarmPoolCountsNodesRequestedInTheWindow) {
  ScaleDownSettings s;
  s.window = 600;
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

TEST(ScaleDownPolicy, NetDemandIsTheLargestRiseOfRequestedMinusFreedInAWindow) {
  ScaleDownSettings s;
  s.window = 100;
  s.history = 200;
  // Window (900, 1000]: a 4-node job ends, then 4 nodes are asked for: no rise.
  // Window (800, 900]: 3 asked, 5 freed, 2 asked: the largest rise is 3 (before the end).
  std::vector<Arrival> a{{810, 3}, {820, -5}, {830, 2}, {910, -4}, {920, 4}};
  EXPECT_EQ(demand_per_window(a, 1000, s), (std::vector<int64_t>{4, 5}));  // requested only: 4, and 3 + 2
  s.net_of_job_ends = true;
  EXPECT_EQ(demand_per_window(a, 1000, s), (std::vector<int64_t>{0, 3}));
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

}  // namespace
}  // namespace ebbflow::core
