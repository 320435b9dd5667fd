// scontrol output parsing against output recorded from a real Slurm 22.05 (tests/data/slurm).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "scheduler/slurm/slurm_client.h"

namespace ebbflow::slurm {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(EBBFLOW_SLURM_FIXTURES) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const core::SlurmNode* find(const std::vector<core::SlurmNode>& nodes, const std::string& name) {
  for (const auto& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::vector<core::SlurmNode> parse_ok(const std::string& text, std::vector<std::string>* skipped = nullptr) {
  auto r = parse_scontrol_nodes(text, skipped);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : std::vector<core::SlurmNode>{};
}

TEST(ScontrolNodes, ParsesRecordedInitialOutput) {
  auto nodes = parse_ok(fixture("nodes_initial.txt"));
  ASSERT_EQ(nodes.size(), 7u);
  const auto* n = find(nodes, "gpu-dy-g4dn-001");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->addr, "gpu-dy-g4dn-001");
  EXPECT_EQ(n->hostname, "gpu-dy-g4dn-001");
  EXPECT_EQ(n->state_string, "IDLE+CLOUD+POWERED_DOWN");
  EXPECT_TRUE(n->is_power());
  EXPECT_EQ(n->partitions, std::vector<std::string>{"gpu"});
  EXPECT_EQ(n->queue, "gpu");
  EXPECT_EQ(n->compute_resource, "g4dn");
  EXPECT_EQ(n->type, core::NodeType::kDynamic);
  EXPECT_FALSE(n->slurmd_start_time.has_value());
  EXPECT_FALSE(n->last_busy_time.has_value());
  EXPECT_EQ(n->reason, "");
  EXPECT_FALSE(n->is_nodeaddr_set());
  EXPECT_TRUE(find(nodes, "q-st-c5-2")->is_static());
}

TEST(ScontrolNodes, ParsesRecordedUpdatesWithReasonsAndAddresses) {
  for (const char* file : {"nodes_updated.txt", "nodes_updated_oneliner.txt"}) {
    SCOPED_TRACE(file);
    auto nodes = parse_ok(fixture(file));
    ASSERT_EQ(nodes.size(), 7u);
    const auto* down = find(nodes, "q-dy-c5-1");
    EXPECT_EQ(down->state_string, "DOWN+CLOUD+POWERED_DOWN");
    EXPECT_EQ(down->reason, "test reason with spaces [root@2026-11-26T00:37:56]");
    EXPECT_TRUE(down->is_down());
    const auto* drained = find(nodes, "q-dy-c5-2");
    EXPECT_EQ(drained->reason, "Scheduler health check failed [root@2026-11-26T00:10:01] x=y [root@2026-11-26T00:37:56]");
    EXPECT_TRUE(drained->is_drained());
    const auto* with_addr = find(nodes, "q-st-c5-1");
    EXPECT_EQ(with_addr->addr, "127.0.0.5");
    EXPECT_EQ(with_addr->hostname, "ip-127-0-0-5");
    EXPECT_TRUE(with_addr->is_nodeaddr_set());
    const auto* ice = find(nodes, "q-st-c5-2");
    EXPECT_EQ(ice->addr, "127.0.0.6");
    EXPECT_EQ(ice->error_code(), "InsufficientInstanceCapacity");
    EXPECT_TRUE(ice->is_ice());
    const auto* powering = find(nodes, "q-dy-c5-3");
    EXPECT_EQ(powering->state_string, "IDLE+CLOUD+POWER_DOWN");
    // The maint reservation was created just before this recording: not yet in the state.
    EXPECT_FALSE(find(nodes, "gpu-dy-g4dn-001")->is_in_maintenance());
  }
}

TEST(ScontrolNodes, MultiLineAndOnelinerAgree) {
  for (const char* base : {"nodes_initial", "nodes_updated", "nodes_jobs"}) {
    auto a = parse_ok(fixture(std::string(base) + ".txt"));
    auto b = parse_ok(fixture(std::string(base) + "_oneliner.txt"));
    ASSERT_EQ(a.size(), b.size()) << base;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].name, b[i].name);
      EXPECT_EQ(a[i].state_string, b[i].state_string);
      EXPECT_EQ(a[i].addr, b[i].addr);
      EXPECT_EQ(a[i].reason, b[i].reason);
      EXPECT_EQ(a[i].partitions, b[i].partitions);
    }
  }
}

TEST(ScontrolNodes, ParsesRecordedJobStates) {
  auto nodes = parse_ok(fixture("nodes_jobs.txt"));
  const auto* cfg = find(nodes, "gpu-dy-g4dn-002");
  EXPECT_EQ(cfg->flags, core::kMixed | core::kCloud | core::kNotResponding | core::kPoweringUp);
  EXPECT_TRUE(cfg->is_configuring_job());
  EXPECT_FALSE(cfg->is_running_job());
  EXPECT_TRUE(find(nodes, "q-dy-c5-3")->is_powering_down());
  const auto* maint = find(nodes, "gpu-dy-g4dn-001");
  EXPECT_EQ(maint->state_string, "IDLE+CLOUD+MAINTENANCE+POWERED_DOWN+RESERVED");
  EXPECT_TRUE(maint->is_in_maintenance());
  EXPECT_TRUE(maint->is_power());
  auto final_nodes = parse_ok(fixture("nodes_final.txt"));
  const auto* drain = find(final_nodes, "q-st-c5-1");
  EXPECT_EQ(drain->state_string, "IDLE+CLOUD+DRAIN+NOT_RESPONDING+POWERING_UP");
  EXPECT_EQ(drain->reason, "drain while busy [root@2026-11-26T00:38:15]");
}

TEST(ScontrolNodes, SyntheticRegisteredNodes) {
  std::vector<std::string> skipped;
  auto nodes = parse_ok(fixture("synthetic_registered.txt"), &skipped);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(skipped, std::vector<std::string>{"login_node.example"});
  const auto& busy = nodes[0];
  EXPECT_EQ(busy.name, "queue1-st-c5xlarge-1");
  EXPECT_EQ(busy.state_string, "MIXED+CLOUD");  // not the "State=BOGUS" inside the OS line
  EXPECT_EQ(busy.partitions, (std::vector<std::string>{"queue1", "all"}));
  ASSERT_TRUE(busy.slurmd_start_time.has_value());
  EXPECT_EQ(*busy.slurmd_start_time, 1795650700);  // 2026-11-25T23:51:40Z
  ASSERT_TRUE(busy.last_busy_time.has_value());
  EXPECT_EQ(*busy.last_busy_time, 1795651200);  // 2026-11-26T00:00:00Z
  EXPECT_TRUE(busy.is_online());
  const auto& reboot = nodes[1];
  EXPECT_EQ(reboot.state_string, "IDLE+CLOUD+DRAIN+REBOOT_REQUESTED");  // NextState ignored
  EXPECT_EQ(reboot.reservation, "root_5");
  EXPECT_EQ(reboot.reason, "Reboot ASAP : reboot issued [root@2026-11-26T00:10:01]");  // not Comment's
  EXPECT_TRUE(reboot.is_rebooting());
  const auto& orphan = nodes[2];
  EXPECT_TRUE(orphan.partitions.empty());
  EXPECT_EQ(orphan.queue, "orphan");
}

TEST(ScontrolNodes, EdgeCases) {
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("No nodes in the system\n").empty());
  auto no_state = parse_scontrol_nodes("NodeName=q-dy-c5-1 Arch=x86_64\n   NodeAddr=q-dy-c5-1\n");
  ASSERT_FALSE(no_state.ok());
  EXPECT_EQ(no_state.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(no_state.error().message.find("q-dy-c5-1"), std::string::npos);
  auto garbage = parse_scontrol_nodes("slurm_load_node error: something\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, "ParseError");
  // Values may contain '=', CRLF line ends, missing NodeAddr defaults to the name.
  auto nodes = parse_ok("NodeName=q-dy-c5-9\r\n   State=IDLE+CLOUD\r\n   Reason=a=b c  \r\n");
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].reason, "a=b c");
  EXPECT_EQ(nodes[0].addr, "q-dy-c5-9");
  EXPECT_EQ(nodes[0].hostname, "q-dy-c5-9");
  auto bad_time = parse_ok("NodeName=q-dy-c5-9\n   State=IDLE\n   BootTime=None SlurmdStartTime=2026-13-01T00:00:00\n");
  EXPECT_FALSE(bad_time[0].slurmd_start_time.has_value());
}

TEST(ScontrolNodes, HundredThousandNodesParse) {
  std::string record = fixture("synthetic_registered.txt");
  record = record.substr(0, record.find("\n\n") + 2);  // one registered node (~900 bytes)
  const std::string name = "queue1-st-c5xlarge-1";
  std::string big;
  big.reserve(record.size() * 100'000 + 1'000'000);
  for (int i = 0; i < 100'000; ++i) {
    std::string r = record;
    r.replace(r.find(name), name.size(), "queue1-dy-c5xlarge-" + std::to_string(i + 1));
    big += r;
  }
  // Its speed is measured by bench/ (BM_ParseScontrolNodes), not asserted here.
  auto nodes = parse_scontrol_nodes(big);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 100'000u);
  EXPECT_EQ(nodes->back().name, "queue1-dy-c5xlarge-100000");
  EXPECT_EQ(nodes->back().state_string, "MIXED+CLOUD");
}

TEST(ScontrolPartitions, ParsesRecordedOutput) {
  auto parts = parse_scontrol_partitions(fixture("partitions_oneliner.txt"));
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "q");
  EXPECT_EQ((*parts)[0].state, "UP");
  EXPECT_EQ((*parts)[0].nodes, "q-dy-c5-[1-3],q-st-c5-[1-2]");  // not NodeSets=
  EXPECT_EQ((*parts)[1].name, "gpu");
  EXPECT_EQ((*parts)[1].state, "INACTIVE");
  auto later = parse_scontrol_partitions(fixture("partitions_oneliner2.txt"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ((*later)[1].state, "UP");
  auto empty = parse_scontrol_partitions("PartitionName=e State=DOWN Nodes=(null)\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)[0].nodes, "");
  EXPECT_FALSE(parse_scontrol_partitions("garbage\n").ok());
  EXPECT_FALSE(parse_scontrol_partitions("PartitionName=x Nodes=a\n").ok());
}

TEST(ValidateArgument, RejectsInjection) {
  EXPECT_TRUE(validate_slurm_argument("q-dy-c5-1", false).ok());
  EXPECT_TRUE(validate_slurm_argument("(Code:X)Failure when resuming nodes [root@x]", true).ok());
  EXPECT_TRUE(validate_slurm_argument("a=b", true).ok());
  EXPECT_TRUE(validate_slurm_argument("", true).ok());
  EXPECT_FALSE(validate_slurm_argument("", false).ok());
  EXPECT_FALSE(validate_slurm_argument("x state=down", false).ok());
  EXPECT_FALSE(validate_slurm_argument("x=y", false).ok());
  for (const char* bad : {"a;b", "a|b", "a&b", "$(x)", "a>b", "a<b", "`x`", "a\\b", "a!b", "a#b", "a\nb"}) {
    auto st = validate_slurm_argument(bad, true);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().kind, ErrorKind::kInvalidInput);
  }
}

}  // namespace
}  // namespace ebbflow::slurm

namespace ebbflow::slurm {
namespace {

// Robustness: every truncation and a few byte mutations of real output parse or fail cleanly.
TEST(ScontrolNodes, TruncatedAndMutatedOutputNeverCrashes) {
  const std::string full = fixture("nodes_jobs.txt");
  for (size_t len = 0; len <= full.size(); ++len) {
    auto r = parse_scontrol_nodes(full.substr(0, len));
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "ParseError");
    }
  }
  std::string mutated = full;
  const char replacements[] = {'\n', ' ', '=', '+', '\0', '\r'};
  for (size_t i = 0; i < mutated.size(); i += 7) {
    std::string m = mutated;
    m[i] = replacements[i % sizeof replacements];
    auto r = parse_scontrol_nodes(m);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "ParseError");
    }
  }
}

}  // namespace
}  // namespace ebbflow::slurm
