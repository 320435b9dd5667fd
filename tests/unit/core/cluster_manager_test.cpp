// Scenario tests for clustermgtd's decision (core::decide_iteration), in virtual time.
#include "core/cluster_manager.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ebbflow::core {
namespace {

constexpr int64_t T0 = 1'800'000'000;

SlurmNode node(const std::string& name, const std::string& state, const std::string& addr = "",
               const std::string& reason = "") {
  SlurmNode n;
  n.name = name;
  n.addr = addr.empty() ? name : addr;
  n.hostname = n.addr;
  n.state_string = state;
  n.flags = parse_node_state(state);
  n.reason = reason;
  auto parsed = parse_node_name(name);
  EXPECT_TRUE(parsed.has_value()) << name;
  n.queue = parsed->queue;
  n.compute_resource = parsed->compute_resource;
  n.type = parsed->type;
  n.partitions = {n.queue};
  return n;
}

CloudInstance instance(const std::string& id, const std::string& ip, int64_t launched, const std::string& state = "running") {
  CloudInstance i;
  i.id = id;
  i.private_ip = ip;
  i.all_private_ips = {ip};
  i.launch_time = launched;
  i.state = state;
  return i;
}

ManagerSettings settings() {
  ManagerSettings s;
  s.queues = {{"q", {{"c", "c5.xlarge", 1, 4}}}};
  return s;
}

ClusterSnapshot snapshot(int64_t now, std::vector<SlurmNode> nodes, std::vector<CloudInstance> instances,
                         std::string partition_state = "UP") {
  ClusterSnapshot s;
  s.now = now;
  s.nodes = std::move(nodes);
  s.instances = std::move(instances);
  s.partitions = {{"q", partition_state}};
  s.health = std::vector<InstanceHealth>{};
  return s;
}

const Action* find(const Plan& p, ActionKind kind, const std::string& rule = "") {
  for (const auto& a : p.actions)
    if (a.kind == kind && (rule.empty() || a.rule == rule)) return &a;
  return nullptr;
}

bool terminates(const Plan& p, const std::string& id) {
  for (const auto& a : p.actions)
    if (a.kind == ActionKind::kTerminateInstances &&
        std::find(a.instance_ids.begin(), a.instance_ids.end(), id) != a.instance_ids.end())
      return true;
  return false;
}

TEST(ClusterManager, StaticNodeWithoutInstanceIsSetDownAndLaunched) {
  auto plan = decide_iteration(snapshot(T0, {node("q-st-c-1", "IDLE+CLOUD+POWERED_DOWN")}, {}), {}, settings());
  const Action* down = find(plan, ActionKind::kResetNodesDown);
  const Action* launch = find(plan, ActionKind::kLaunchNodes);
  ASSERT_NE(down, nullptr);
  ASSERT_NE(launch, nullptr);
  EXPECT_EQ(down->reason, reasons::kStaticReplacement);
  EXPECT_EQ(launch->node_names, std::vector<std::string>{"q-st-c-1"});
  EXPECT_EQ(plan.next_state.replacing.at("q-st-c-1"), T0);
  // DOWN must come before the launch so Slurm neither schedules on nor resumes the node meanwhile.
  EXPECT_LT(down - plan.actions.data(), launch - plan.actions.data());
}

TEST(ClusterManager, RegisteredReplacementIsResumedThenForgotten) {
  ManagerState st;
  st.replacing["q-st-c-1"] = T0;
  auto n = node("q-st-c-1", "DOWN+CLOUD", "127.0.0.2");
  n.slurmd_start_time = T0 + 5;
  auto plan = decide_iteration(snapshot(T0 + 10, {n}, {instance("i-1", "127.0.0.2", T0)}), st, settings());
  const Action* resume = find(plan, ActionKind::kResumeNodes);
  ASSERT_NE(resume, nullptr);
  EXPECT_EQ(resume->node_names, std::vector<std::string>{"q-st-c-1"});
  EXPECT_EQ(find(plan, ActionKind::kLaunchNodes), nullptr) << "a node being replaced is not replaced again";

  auto up = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  auto plan2 = decide_iteration(snapshot(T0 + 20, {up}, {instance("i-1", "127.0.0.2", T0)}), plan.next_state, settings());
  EXPECT_TRUE(plan2.actions.empty());
  EXPECT_EQ(plan2.next_state.replacing.count("q-st-c-1"), 0u);
}

TEST(ClusterManager, ReplacementOfADrainedNodeIsResumedButAForeignDrainIsKept) {
  ManagerState st;
  st.replacing["q-st-c-1"] = T0;
  // Drained for a scheduled event, then set DOWN for replacement: Slurm keeps DRAIN.
  auto n = node("q-st-c-1", "DOWN+CLOUD+DRAIN", "127.0.0.2", reasons::kStaticReplacement);
  n.slurmd_start_time = T0 + 5;
  auto plan = decide_iteration(snapshot(T0 + 10, {n}, {instance("i-1", "127.0.0.2", T0)}), st, settings());
  const Action* resume = find(plan, ActionKind::kResumeNodes);
  ASSERT_NE(resume, nullptr);
  EXPECT_EQ(resume->node_names, std::vector<std::string>{"q-st-c-1"});
  // Drained by someone else after the replacement started: left alone.
  n.reason = "maintenance by admin";
  auto plan2 = decide_iteration(snapshot(T0 + 10, {n}, {instance("i-1", "127.0.0.2", T0)}), st, settings());
  EXPECT_EQ(find(plan2, ActionKind::kResumeNodes), nullptr);
}

TEST(ClusterManager, PoweredDownNodeLosesItsInstance) {
  auto n = node("q-dy-c-1", "IDLE+CLOUD+POWERING_DOWN", "127.0.0.3");
  auto st_node = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  auto plan = decide_iteration(snapshot(T0, {n, st_node}, {instance("i-d", "127.0.0.3", T0 - 600),
                                                           instance("i-s", "127.0.0.2", T0 - 600)}),
                               {}, settings());
  ASSERT_NE(find(plan, ActionKind::kResetNodeAddrs, "power-saving"), nullptr);
  EXPECT_TRUE(terminates(plan, "i-d"));
  EXPECT_FALSE(terminates(plan, "i-s"));
}

// Nodes are matched to instances by exact address text, through any of the instance's IPs,
// whatever the matching's internals (IPv4 numbers are compared as numbers, other text as text).
TEST(ClusterManager, AddressMatchingIsExactTextAndCoversSecondaryIps) {
  auto secondary = node("q-dy-c-1", "MIXED+CLOUD", "10.0.0.9");
  auto padded = node("q-dy-c-2", "MIXED+CLOUD", "10.0.0.010");  // not the text "10.0.0.10"
  auto by_name = node("q-dy-c-3", "MIXED+CLOUD", "host-c3.internal");
  auto inst_a = instance("i-a", "10.0.0.8", T0 - 9000);
  inst_a.all_private_ips = {"10.0.0.8", "10.0.0.9"};
  auto inst_b = instance("i-b", "10.0.0.10", T0 - 9000);
  auto inst_c = instance("i-c", "host-c3.internal", T0 - 9000);
  auto plan = decide_iteration(snapshot(T0, {secondary, padded, by_name}, {inst_a, inst_b, inst_c}), {}, settings());
  EXPECT_FALSE(terminates(plan, "i-a"));  // backs q-dy-c-1 through its secondary IP
  EXPECT_FALSE(terminates(plan, "i-c"));  // matched by name
  EXPECT_TRUE(terminates(plan, "i-b"));   // orphan: "10.0.0.010" is another address
  // q-dy-c-2's address has no instance: counted missing (tolerated for a few iterations).
  EXPECT_EQ(plan.next_state.missing_instance.size(), 1u);
  EXPECT_EQ(plan.next_state.missing_instance.count("q-dy-c-2"), 1u);
}

// Two instances reporting the same address: the later one in the cloud's list backs the node
// (the earlier one is an orphan), as before the matching was reworked for 100k nodes.
TEST(ClusterManager, SharedAddressGoesToTheLaterInstance) {
  auto n = node("q-dy-c-1", "MIXED+CLOUD", "10.0.0.5");
  auto plan = decide_iteration(
      snapshot(T0, {n}, {instance("i-first", "10.0.0.5", T0 - 9000), instance("i-second", "10.0.0.5", T0 - 9000)}), {},
      settings());
  EXPECT_TRUE(terminates(plan, "i-first"));
  EXPECT_FALSE(terminates(plan, "i-second"));
}

TEST(ClusterManager, BusyHealthyNodesAreNeverTouched) {
  auto a = node("q-st-c-1", "ALLOCATED+CLOUD", "127.0.0.2");
  auto b = node("q-dy-c-1", "MIXED+CLOUD", "127.0.0.3");
  auto plan = decide_iteration(
      snapshot(T0, {a, b}, {instance("i-a", "127.0.0.2", T0 - 9000), instance("i-b", "127.0.0.3", T0 - 9000)}), {},
      settings());
  EXPECT_TRUE(plan.actions.empty());
}

TEST(ClusterManager, VanishedStaticInstanceToleratedThenReplaced) {
  auto s = settings();
  s.ec2_instance_missing_max_count = 2;
  auto n = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  ManagerState st;
  for (int i = 0; i < 2; ++i) {
    auto plan = decide_iteration(snapshot(T0 + i * 60, {n}, {}), st, s);
    EXPECT_EQ(find(plan, ActionKind::kLaunchNodes), nullptr) << "iteration " << i << " is within the grace";
    st = plan.next_state;
  }
  auto plan = decide_iteration(snapshot(T0 + 180, {n}, {}), st, s);
  ASSERT_NE(find(plan, ActionKind::kLaunchNodes), nullptr);
  EXPECT_EQ(plan.next_state.missing_instance.count("q-st-c-1"), 0u);
}

TEST(ClusterManager, UnhealthyDynamicNodeIsPoweredDownAndTerminated) {
  auto n = node("q-dy-c-2", "DOWN+CLOUD", "127.0.0.4", "Not responding");
  auto plan = decide_iteration(snapshot(T0, {n}, {instance("i-x", "127.0.0.4", T0 - 900)}), {}, settings());
  const Action* pd = find(plan, ActionKind::kPowerDownNodes);
  ASSERT_NE(pd, nullptr);
  EXPECT_EQ(pd->reason, reasons::kSchedulerHealthCheck);
  EXPECT_TRUE(terminates(plan, "i-x"));
}

TEST(ClusterManager, OrphanTerminatedOnlyAfterTimeout) {
  auto s = settings();
  s.orphaned_instance_timeout = 300;
  auto n = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  auto young = decide_iteration(snapshot(T0, {n}, {instance("i-s", "127.0.0.2", T0 - 999), instance("i-o", "127.0.0.9", T0 - 299)}), {}, s);
  EXPECT_FALSE(terminates(young, "i-o"));
  auto old = decide_iteration(snapshot(T0, {n}, {instance("i-s", "127.0.0.2", T0 - 999), instance("i-o", "127.0.0.9", T0 - 300)}), {}, s);
  EXPECT_TRUE(terminates(old, "i-o"));
  EXPECT_FALSE(terminates(old, "i-s"));
}

TEST(ClusterManager, InactivePartitionTerminatesAndResets) {
  auto n = node("q-dy-c-1", "IDLE+CLOUD", "127.0.0.3");
  auto plan = decide_iteration(snapshot(T0, {n}, {instance("i-d", "127.0.0.3", T0 - 60)}, "INACTIVE"), {}, settings());
  EXPECT_TRUE(terminates(plan, "i-d"));
  const Action* reset = find(plan, ActionKind::kResetNodesDown, "inactive-partition");
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->reason, reasons::kInactivePartition);
}

TEST(ClusterManager, ImpairedInstanceDrainsBusyNodeAndReplacesIdleOne) {
  auto busy = node("q-dy-c-1", "ALLOCATED+CLOUD", "127.0.0.3");
  auto idle = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  busy.slurmd_start_time = idle.slurmd_start_time = T0 - 3600;
  auto snap = snapshot(T0, {busy, idle}, {instance("i-b", "127.0.0.3", T0 - 3600), instance("i-i", "127.0.0.2", T0 - 3600)});
  snap.health = std::vector<InstanceHealth>{{"i-b", true, T0 - 200, false, 0, {}}, {"i-i", false, 0, true, T0 - 181, {}}};
  auto plan = decide_iteration(snap, {}, settings());
  const Action* drain = find(plan, ActionKind::kDrainNodes);
  ASSERT_NE(drain, nullptr);
  EXPECT_EQ(drain->node_names, std::vector<std::string>{"q-dy-c-1"});
  EXPECT_EQ(drain->reason, reasons::kEc2HealthCheck);
  EXPECT_FALSE(terminates(plan, "i-b")) << "a node running a job is drained, not killed";
  EXPECT_TRUE(terminates(plan, "i-i"));
  ASSERT_NE(find(plan, ActionKind::kLaunchNodes), nullptr);
}

TEST(ClusterManager, HealthCheckIgnoredRightAfterSlurmdStart) {
  auto idle = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  idle.slurmd_start_time = T0 - 30;
  auto snap = snapshot(T0, {idle}, {instance("i-i", "127.0.0.2", T0 - 3600)});
  snap.health = std::vector<InstanceHealth>{{"i-i", true, T0 - 900, false, 0, {}}};
  EXPECT_TRUE(decide_iteration(snap, {}, settings()).actions.empty());
}

TEST(ClusterManager, ScheduledEventDrainsBusyNode) {
  auto busy = node("q-dy-c-1", "MIXED+CLOUD", "127.0.0.3");
  auto snap = snapshot(T0, {busy}, {instance("i-b", "127.0.0.3", T0 - 3600)});
  snap.health = std::vector<InstanceHealth>{{"i-b", false, 0, false, 0, {"instance-retirement"}}};
  auto plan = decide_iteration(snap, {}, settings());
  const Action* drain = find(plan, ActionKind::kDrainNodes);
  ASSERT_NE(drain, nullptr);
  EXPECT_EQ(drain->reason, reasons::kScheduledEvent);
}

TEST(ClusterManager, InsufficientCapacityDisablesThenReenablesComputeResource) {
  auto s = settings();
  s.insufficient_capacity_timeout = 600;
  auto failed = node("q-dy-c-1", "DOWN+CLOUD+POWERED_DOWN", "", "(Code:InsufficientInstanceCapacity)Failure when resuming nodes");
  auto spare = node("q-dy-c-2", "IDLE+CLOUD+POWERED_DOWN");
  auto plan = decide_iteration(snapshot(T0, {failed, spare}, {}), {}, s);
  ASSERT_EQ(plan.next_state.insufficient_capacity.count({"q", "c"}), 1u);
  EXPECT_EQ(plan.next_state.insufficient_capacity.at({"q", "c"}).error_code, "InsufficientInstanceCapacity");
  const Action* down = find(plan, ActionKind::kSetNodesDown, "insufficient-capacity");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->node_names, std::vector<std::string>{"q-dy-c-2"});
  EXPECT_EQ(find(plan, ActionKind::kPowerDownNodes), nullptr) << "ICE nodes stay down while disabled";

  auto spare_down = node("q-dy-c-2", "DOWN+CLOUD+POWERED_DOWN", "",
                         "(Code:InsufficientInstanceCapacity)Temporarily disabling node due to insufficient capacity");
  auto later = decide_iteration(snapshot(T0 + 600, {failed, spare_down}, {}), plan.next_state, s);
  EXPECT_EQ(later.next_state.insufficient_capacity.count({"q", "c"}), 0u);
  const Action* enable = find(later, ActionKind::kPowerDownNodes, "insufficient-capacity");
  ASSERT_NE(enable, nullptr);
  EXPECT_EQ(enable->reason, reasons::kIceEnabling);
  EXPECT_EQ(enable->node_names.size(), 2u);
}

TEST(ClusterManager, ProtectedModeAfterRepeatedBootstrapFailures) {
  auto s = settings();
  s.protected_failure_count = 3;
  ManagerState st;
  // A dynamic node whose resume timed out (DOWN+POWERED_DOWN with an address) is a bootstrap failure.
  for (int i = 0; i < 3; ++i) {
    auto n = node("q-dy-c-1", "DOWN+CLOUD+POWERED_DOWN+NOT_RESPONDING", "127.0.0.5");
    auto plan = decide_iteration(snapshot(T0 + i * 60, {n}, {instance("i-f", "127.0.0.5", T0)}), st, s);
    st = plan.next_state;
    if (i < 2) EXPECT_EQ(find(plan, ActionKind::kSetPartitionState), nullptr);
    else {
      const Action* a = find(plan, ActionKind::kSetPartitionState, "protected-mode");
      ASSERT_NE(a, nullptr);
      EXPECT_EQ(a->state, "INACTIVE");
      EXPECT_EQ(st.protected_partitions.count("q"), 1u);
    }
  }
}

TEST(ClusterManager, ProtectedModeSparesPartitionWithRunningJobs) {
  auto s = settings();
  s.protected_failure_count = 1;
  auto failing = node("q-dy-c-1", "DOWN+CLOUD+POWERED_DOWN", "127.0.0.5");
  auto running = node("q-dy-c-2", "ALLOCATED+CLOUD+DRAIN", "127.0.0.6");
  auto plan = decide_iteration(snapshot(T0, {failing, running}, {instance("i-r", "127.0.0.6", T0 - 100)}), {}, s);
  EXPECT_EQ(find(plan, ActionKind::kSetPartitionState), nullptr);
}

TEST(ClusterManager, FleetStopTerminatesEverything) {
  ManagerState st;
  st.fleet = FleetStatus::kStopRequested;
  auto n = node("q-st-c-1", "IDLE+CLOUD", "127.0.0.2");
  auto plan = decide_iteration(snapshot(T0, {n}, {instance("i-s", "127.0.0.2", T0 - 60)}), st, settings());
  EXPECT_TRUE(terminates(plan, "i-s"));
  const Action* part = find(plan, ActionKind::kSetPartitionState);
  ASSERT_NE(part, nullptr);
  EXPECT_EQ(part->state, "INACTIVE");
  EXPECT_EQ(plan.next_state.fleet, FleetStatus::kStopped);
  EXPECT_EQ(find(plan, ActionKind::kLaunchNodes), nullptr);
}

TEST(ClusterManager, FleetStartReactivatesPartitions) {
  ManagerState st;
  st.fleet = FleetStatus::kStartRequested;
  st.protected_partitions["q"] = "x";
  auto n = node("q-st-c-1", "DOWN+CLOUD", "", "inactive partition");
  auto plan = decide_iteration(snapshot(T0, {n}, {}, "INACTIVE"), st, settings());
  const Action* part = find(plan, ActionKind::kSetPartitionState, "fleet-start");
  ASSERT_NE(part, nullptr);
  EXPECT_EQ(part->state, "UP");
  EXPECT_TRUE(plan.next_state.protected_partitions.empty());
  EXPECT_EQ(plan.next_state.fleet, FleetStatus::kRunning);
}

TEST(ClusterManager, DisabledManagementDoesNothing) {
  auto s = settings();
  s.disable_all_cluster_management = true;
  auto plan = decide_iteration(snapshot(T0, {node("q-st-c-1", "IDLE+CLOUD+POWERED_DOWN")}, {}), {}, s);
  EXPECT_TRUE(plan.actions.empty());
}

}  // namespace
}  // namespace ebbflow::core
