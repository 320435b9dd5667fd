// A wall-clock step on the head node (NTP correcting a drifted clock, a VM resumed after a pause)
// moves `now` relative to every remembered or reported time: instance launch times, impairedSince,
// the replacement and insufficient-capacity records. Whatever the step, clustermgtd's decision
// must never touch a healthy node running a job, nor its instance. (A forward step can make a
// booting static replacement or an unmatched instance look old sooner: that costs a relaunch,
// never a job; a backward step only delays timers.)
#include <gtest/gtest.h>

#include <algorithm>

#include "core/cluster_manager.h"

namespace ebbflow::core {
namespace {

constexpr int64_t T0 = 1'800'000'000;

SlurmNode node(const std::string& name, const std::string& state, const std::string& addr) {
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
  n.slurmd_start_time = T0 - 3000;
  return n;
}

CloudInstance instance(const std::string& id, const std::string& ip, int64_t launched) {
  CloudInstance i;
  i.id = id;
  i.private_ip = ip;
  i.all_private_ips = {ip};
  i.launch_time = launched;
  i.state = "running";
  return i;
}

// A working cluster seen at wall time `now`, while every time it reports was taken before the step.
ClusterSnapshot busy_cluster(int64_t now) {
  ClusterSnapshot s;
  s.now = now;
  s.nodes = {node("q-st-c-1", "ALLOCATED+CLOUD", "127.0.0.2"), node("q-st-c-2", "IDLE+CLOUD", "127.0.0.3"),
             node("q-dy-c-1", "MIXED+CLOUD", "127.0.0.4"), node("q-dy-c-2", "ALLOCATED+CLOUD", "127.0.0.5"),
             node("q-dy-c-3", "IDLE+CLOUD+POWERED_DOWN", "q-dy-c-3")};
  s.instances = {instance("i-st1", "127.0.0.2", T0 - 7200), instance("i-st2", "127.0.0.3", T0 - 7200),
                 instance("i-dy1", "127.0.0.4", T0 - 900),
                 // launched 20 s before the step: its job started a moment ago
                 instance("i-dy2", "127.0.0.5", T0 - 20)};
  s.partitions = {{"q", "UP"}};
  s.health = std::vector<InstanceHealth>{};
  return s;
}

ManagerSettings settings() {
  ManagerSettings s;
  s.queues = {{"q", {{"c", "c5.xlarge", 2, 6}}}};
  return s;
}

bool touches(const Plan& plan, const std::string& node_name, const std::string& instance_id) {
  for (const auto& a : plan.actions) {
    if (std::find(a.node_names.begin(), a.node_names.end(), node_name) != a.node_names.end()) return true;
    if (std::find(a.instance_ids.begin(), a.instance_ids.end(), instance_id) != a.instance_ids.end()) return true;
  }
  return false;
}

class ClockStep : public ::testing::TestWithParam<int64_t> {};

TEST_P(ClockStep, BusyHealthyNodesAreNeverTouched) {
  const int64_t step = GetParam();
  // State carried from iterations before the step: an old replacement record and an expired ICE
  // record of another compute resource.
  ManagerState before;
  auto first = decide_iteration(busy_cluster(T0), before, settings());
  for (const auto& [name, iid] : {std::pair{"q-st-c-1", "i-st1"}, {"q-dy-c-1", "i-dy1"}, {"q-dy-c-2", "i-dy2"}})
    ASSERT_FALSE(touches(first, name, iid)) << "before any step";
  ManagerState carried = first.next_state;
  // Several iterations after the step (the step persists; the clock moves on normally).
  for (int i = 1; i <= 5; ++i) {
    auto plan = decide_iteration(busy_cluster(T0 + step + i * 60), carried, settings());
    for (const auto& [name, iid] : {std::pair{"q-st-c-1", "i-st1"}, {"q-dy-c-1", "i-dy1"}, {"q-dy-c-2", "i-dy2"}})
      EXPECT_FALSE(touches(plan, name, iid)) << "step " << step << " s, iteration " << i << ": touched " << name;
    // The idle static node and its instance are healthy too: no replacement either.
    EXPECT_FALSE(touches(plan, "q-st-c-2", "i-st2")) << "step " << step << " s, iteration " << i;
    carried = plan.next_state;
  }
}

INSTANTIATE_TEST_SUITE_P(ForwardAndBackward, ClockStep,
                         ::testing::Values(-30 * 86400, -3600, -61, 61, 3600, 30 * 86400),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return (info.param < 0 ? "back_" : "forward_") + std::to_string(std::abs(info.param)) + "s";
                         });

// The head node's clock is an hour ahead of the cloud's (and of the compute nodes', which keep
// AWS time): clustermgtd has learnt the offset from the cloud's Date headers. A static replacement
// launched 20 s ago and an instance launched 5 s ago (not yet bound) are young on the cloud's clock.
ClusterSnapshot replacing_while_host_clock_ahead(int64_t offset) {
  ClusterSnapshot s = busy_cluster(T0 + 3600);
  s.cloud_clock_offset = offset;
  s.nodes[1] = node("q-st-c-2", "DOWN+CLOUD", "127.0.0.9");
  s.nodes[1].reason = "static node replacement";
  s.nodes[1].slurmd_start_time.reset();
  s.instances[1] = instance("i-st2-new", "127.0.0.9", T0 - 20);
  s.instances.push_back(instance("i-unbound", "127.0.0.10", T0 - 5));
  return s;
}

TEST(HostClockAheadOfTheCloud, CloudTimesAreComparedWithTheCloudsClock) {
  ManagerState state;
  state.replacing["q-st-c-2"] = T0 + 3600 - 20;  // stamped with this host's clock at launch
  ManagerSettings set = settings();
  set.node_replacement_timeout = 600;
  set.orphaned_instance_timeout = 120;
  auto plan = decide_iteration(replacing_while_host_clock_ahead(-3600), state, set);
  EXPECT_FALSE(touches(plan, "q-st-c-2", "i-st2-new")) << "the 20-s-old replacement timed out";
  EXPECT_FALSE(touches(plan, "", "i-unbound")) << "the 5-s-old instance was taken for an orphan";
  EXPECT_EQ(plan.next_state.replacing.count("q-st-c-2"), 1u);
  // The control: without the offset both look an hour old, and are acted on.
  auto blind = decide_iteration(replacing_while_host_clock_ahead(0), state, set);
  EXPECT_TRUE(touches(blind, "q-st-c-2", "i-st2-new"));
  EXPECT_TRUE(touches(blind, "", "i-unbound"));
}

TEST(HostClockSteppedBack, RecordsFromTheFutureRestartNow) {
  // Stamped before the clock stepped back a day: the compute resource disabled for insufficient
  // capacity would stay disabled a day plus the timeout; it waits for the timeout only.
  ManagerState state;
  state.insufficient_capacity[{"q", "c"}] = {T0 + 86400, "InsufficientInstanceCapacity"};
  state.replacing["q-st-c-2"] = T0 + 86400;
  ManagerSettings set = settings();
  auto plan = decide_iteration(busy_cluster(T0), state, set);
  ASSERT_EQ(plan.next_state.insufficient_capacity.count({"q", "c"}), 1u);
  EXPECT_EQ(plan.next_state.insufficient_capacity.at({"q", "c"}).since, T0);
  auto later = decide_iteration(busy_cluster(T0 + set.insufficient_capacity_timeout), plan.next_state, set);
  EXPECT_EQ(later.next_state.insufficient_capacity.count({"q", "c"}), 0u) << "not re-enabled after the timeout";
}

}  // namespace
}  // namespace ebbflow::core
