// ScaledownPolicy warm-pool in clustermgtd's decision: which idle dynamic nodes decide_iteration
// releases (ActionKind::kReleaseIdleNodes), in virtual time.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/cluster_manager.h"

namespace ebbflow::core {
namespace {

constexpr int64_t T0 = 1'800'000'000;

SlurmNode node(const std::string& name, const std::string& state, const std::string& addr,
               std::optional<int64_t> last_busy) {
  SlurmNode n;
  n.name = name;
  n.addr = addr;
  n.hostname = addr;
  n.state_string = state;
  n.flags = parse_node_state(state);
  auto parsed = parse_node_name(name);
  EXPECT_TRUE(parsed.has_value()) << name;
  n.queue = parsed->queue;
  n.compute_resource = parsed->compute_resource;
  n.type = parsed->type;
  n.partitions = {n.queue};
  n.slurmd_start_time = T0 - 7200;
  n.last_busy_time = last_busy;
  return n;
}

CloudInstance instance(const std::string& ip) {
  CloudInstance i;
  i.id = "i-" + ip.substr(ip.rfind('.') + 1);
  i.private_ip = ip;
  i.all_private_ips = {ip};
  i.launch_time = T0 - 7200;
  i.state = "running";
  return i;
}

ManagerSettings warm_settings() {
  ManagerSettings s;
  s.queues = {{"q", {{"c", "c5.xlarge", 1, 10}}}};
  ScaleDownSettings w;
  w.feedback = false;
  s.warm_pool = w;
  return s;
}

// One static node and dynamic nodes 1-7 in every state clustermgtd may see, each on an instance.
ClusterSnapshot cluster(std::vector<Arrival> arrivals) {
  ClusterSnapshot s;
  s.now = T0;
  s.partitions = {{"q", "UP"}};
  s.health = std::vector<InstanceHealth>{};
  s.arrivals = std::move(arrivals);
  auto add = [&](const std::string& name, const std::string& state, int ip, std::optional<int64_t> busy) {
    std::string addr = "10.0.0." + std::to_string(ip);
    s.nodes.push_back(node(name, state, addr, busy));
    s.instances.push_back(instance(addr));
  };
  add("q-st-c-1", "IDLE+CLOUD", 1, T0 - 3000);           // static: never released
  add("q-dy-c-1", "IDLE+CLOUD", 11, T0 - 30);             // idle, newest
  add("q-dy-c-2", "IDLE+CLOUD", 12, T0 - 1500);           // idle
  add("q-dy-c-3", "IDLE+CLOUD", 13, T0 - 3000);           // idle, oldest
  add("q-dy-c-4", "ALLOCATED+CLOUD", 14, T0 - 9000);      // busy
  add("q-dy-c-5", "MIXED+CLOUD", 15, T0 - 9000);          // busy
  add("q-dy-c-6", "IDLE+CLOUD+POWERING_UP", 16, std::nullopt);  // booting
  add("q-dy-c-7", "IDLE+CLOUD+POWER_DOWN", 17, T0 - 9000);      // already being released
  return s;
}

std::vector<std::string> released(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions)
    if (a.kind == ActionKind::kReleaseIdleNodes) out.insert(out.end(), a.node_names.begin(), a.node_names.end());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WarmPoolRelease, NoRecentDemandReleasesEveryIdleDynamicNodeAndNothingElse) {
  auto plan = decide_iteration(cluster({}), {}, warm_settings());
  EXPECT_EQ(released(plan), (std::vector<std::string>{"q-dy-c-1", "q-dy-c-2", "q-dy-c-3"}));
  for (const auto& a : plan.actions)
    if (a.kind == ActionKind::kReleaseIdleNodes) {
      EXPECT_EQ(a.rule, "warm-pool");
      EXPECT_FALSE(a.reason.empty());
    }
}

TEST(WarmPoolRelease, ThePoolKeepsTheMostRecentlyIdleNodes) {
  // Two nodes asked for in each of the last two 10-minute windows: a pool of two (the 0.7
  // quantile of six windows is the second largest). Reuse order: dy-1 (idle 30 s), dy-2 (1500 s),
  // dy-3 (3000 s). dy-1 is rank 0 (limit 2400 s): kept; dy-2 is rank 1 of 2 (limit 1200 s),
  // idle 1500 s: released; dy-3 is beyond the pool: released.
  std::vector<Arrival> demand = {{T0 - 700, 2}, {T0 - 100, 2}};
  ASSERT_EQ(warm_pool_size(demand, T0, *warm_settings().warm_pool), 2);
  auto plan = decide_iteration(cluster(demand), {}, warm_settings());
  EXPECT_EQ(released(plan), (std::vector<std::string>{"q-dy-c-2", "q-dy-c-3"}));
}

TEST(WarmPoolRelease, ALargePoolKeepsThemAll) {
  std::vector<Arrival> demand;
  for (int w = 0; w < 6; ++w) demand.push_back({T0 - 600 * w - 60, 8});
  auto plan = decide_iteration(cluster(demand), {}, warm_settings());
  // Pool 8, ranks 0-2: limits 2400, 2100, 1800 s; dy-3 has idled 3000 s at rank 2: released.
  EXPECT_EQ(released(plan), (std::vector<std::string>{"q-dy-c-3"}));
}

TEST(WarmPoolRelease, TheBootWaitFeedbackScalesThePoolAndTheReasonSaysSo) {
  std::vector<Arrival> demand = {{T0 - 700, 2}, {T0 - 100, 2}};  // a pool of two, as above
  auto reason = [](const Plan& p) {
    for (const auto& a : p.actions)
      if (a.kind == ActionKind::kReleaseIdleNodes) return a.reason;
    return std::string();
  };
  ManagerSettings s = warm_settings();
  s.warm_pool->feedback = true;
  s.warm_pool->pool_scale = 1.0;  // what with_feedback gives at a balance of 0
  EXPECT_EQ(reason(decide_iteration(cluster(demand), {}, s)).find("scaled"), std::string::npos);
  s.warm_pool->pool_scale = 0.5;  // fewer boot waits than the idle timer: a pool of one
  auto plan = decide_iteration(cluster(demand), {}, s);
  EXPECT_EQ(released(plan), (std::vector<std::string>{"q-dy-c-2", "q-dy-c-3"}));
  EXPECT_NE(reason(plan).find("1 nodes kept"), std::string::npos) << reason(plan);
  EXPECT_NE(reason(plan).find("scaled x0.50"), std::string::npos) << reason(plan);
  s.warm_pool->pool_scale = 1.5;  // more: a pool of three keeps dy-2 (rank 1 of 3: 1600 s)
  EXPECT_EQ(released(decide_iteration(cluster(demand), {}, s)), (std::vector<std::string>{"q-dy-c-3"}));
}

TEST(WarmPoolRelease, WhileLearningNoNodeGoesBeforeScaledownIdletime) {
  // The history began 20 minutes ago (a new cluster, or the rule just turned on): no demand seen,
  // but it may have missed some. dy-1 (idle 30 s) is kept; dy-2 and dy-3 have idled past the
  // idle timer's 600 s and go, as under the idle timer. An hour after the history began the rule
  // alone decides (as in NoRecentDemandReleasesEveryIdleDynamicNode...).
  ManagerSettings s = warm_settings();
  s.warm_pool->recorded_since = T0 - 1200;
  auto plan = decide_iteration(cluster({}), {}, s);
  EXPECT_EQ(released(plan), (std::vector<std::string>{"q-dy-c-2", "q-dy-c-3"}));
  bool said = false;
  for (const auto& a : plan.actions)
    if (a.kind == ActionKind::kReleaseIdleNodes) said = a.reason.find("still learning") != std::string::npos;
  EXPECT_TRUE(said);
  s.warm_pool->recorded_since = T0 - 3600;
  EXPECT_EQ(released(decide_iteration(cluster({}), {}, s)),
            (std::vector<std::string>{"q-dy-c-1", "q-dy-c-2", "q-dy-c-3"}));
  EXPECT_TRUE(still_learning(T0, ScaleDownSettings{.recorded_since = T0 - 3599}));
  EXPECT_FALSE(still_learning(T0, ScaleDownSettings{}));  // the default: the whole history is known
}

TEST(WarmPoolRelease, IdleTimerPolicyReleasesNothing) {
  ManagerSettings s = warm_settings();
  s.warm_pool.reset();
  EXPECT_TRUE(released(decide_iteration(cluster({}), {}, s)).empty());
}

TEST(WarmPoolRelease, UnknownLastBusyTimeCountsAsIdleSinceNow) {
  ClusterSnapshot s = cluster({{T0 - 100, 1}, {T0 - 700, 1}});  // pool of one
  for (auto& n : s.nodes) n.last_busy_time.reset();
  // All three idle nodes are idle "since now": the first in Slurm's order stays (rank 0), the
  // others are beyond the pool.
  auto plan = decide_iteration(s, {}, warm_settings());
  EXPECT_EQ(released(plan).size(), 2u);
}

}  // namespace
}  // namespace ebbflow::core
