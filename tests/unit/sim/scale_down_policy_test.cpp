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

}  // namespace
}  // namespace ebbflow::core
