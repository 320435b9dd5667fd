// clustermgtd records its iterations into DaemonMetrics: outcome, duration, phases, launches and
// terminations by rule (the same rule its event lines name), scheduler commands through the
// counting runner; dry runs record nothing. Fake Slurm and cloud ports, as in the daemons tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemons/clustermgtd.h"
#include "daemons/metrics_registry.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

// scontrol in the default multi-line format: one static node bound to an instance that is gone,
// one power-saved dynamic node.
const char* kNodes =
    "NodeName=q-st-c-1 CoresPerSocket=1 \n"
    "   CPUAlloc=0 CPUEfctv=4 CPUTot=4 CPULoad=0.00\n"
    "   NodeAddr=127.9.0.2 NodeHostName=127.9.0.2 Port=20001 \n"
    "   State=IDLE+CLOUD ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A\n"
    "   Partitions=q \n"
    "   BootTime=None SlurmdStartTime=None\n"
    "   LastBusyTime=Unknown\n"
    "\n"
    "NodeName=q-dy-c-1 CoresPerSocket=1 \n"
    "   CPUAlloc=0 CPUEfctv=4 CPUTot=4 CPULoad=N/A\n"
    "   NodeAddr=q-dy-c-1 NodeHostName=q-dy-c-1 Port=20002 \n"
    "   State=IDLE+CLOUD+POWERED_DOWN ThreadsPerCore=1 TmpDisk=0 Weight=1000 Owner=N/A MCS_label=N/A\n"
    "   Partitions=q \n"
    "   BootTime=None SlurmdStartTime=None\n"
    "   LastBusyTime=Unknown\n\n";
const char* kPartitions = "PartitionName=q AllowGroups=ALL Nodes=q-st-c-1,q-dy-c-1 State=UP TotalCPUs=8\n";

class FakeRunner : public CommandRunner {
 public:
  bool fail = false;
  std::vector<std::vector<std::string>> updates;
  Result<CommandOutput> run(const CommandSpec& spec) override {
    if (fail) return make_error(ErrorKind::kUnavailable, "Timeout", "scontrol did not finish");
    const auto& a = spec.argv;
    if (a.size() >= 3 && a[1] == "show" && a[2] == "nodes") return CommandOutput{0, kNodes, ""};
    if (a.size() >= 3 && a[1] == "show" && a[2] == "partitions") return CommandOutput{0, kPartitions, ""};
    if (a.size() >= 2 && a[1] == "update") updates.push_back(a);
    return CommandOutput{0, "", ""};
  }
};

class FakeEc2 : public aws::Ec2Api {
 public:
  bool fail_describe = false;
  std::vector<aws::Ec2Instance> instances;
  std::vector<std::string> terminated;
  int launches = 0;
  Result<std::vector<aws::Ec2Instance>> run_instances(const aws::RunInstancesRequest& req) override {
    ++launches;
    aws::Ec2Instance i;
    i.instance_id = "i-new" + std::to_string(launches);
    i.private_ip = "127.9.0.9";
    i.all_private_ips = {i.private_ip};
    i.state = "running";
    return std::vector<aws::Ec2Instance>{i};
  }
  Result<std::vector<aws::InstanceStateChange>> terminate_instances(const std::vector<std::string>& ids) override {
    terminated.insert(terminated.end(), ids.begin(), ids.end());
    return std::vector<aws::InstanceStateChange>{};
  }
  Result<std::vector<aws::Ec2Instance>> describe_instances(const std::vector<aws::Filter>&,
                                                           const std::vector<std::string>&) override {
    if (fail_describe) return make_error(ErrorKind::kUnavailable, "Timeout", "no reply");
    return instances;
  }
  Result<std::vector<aws::InstanceStatus>> describe_instance_status(const std::vector<aws::Filter>&,
                                                                    const std::vector<std::string>&, bool) override {
    return std::vector<aws::InstanceStatus>{};
  }
  Status create_tags(const std::vector<std::string>&, const aws::Tags&) override { return {}; }
  Status create_launch_template(const aws::LaunchTemplateRequest&) override { return {}; }
  Status delete_launch_template(const std::string&) override { return {}; }
};

class ClustermgtdMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebbflow-mgtd-metrics-XXXXXX";
    ctx_.paths.root = mkdtemp(tmpl);
    ctx_.runtime.name = "t";
    auto loaded = config::load_cluster_config_string(
        "Region: us-east-1\nCloud:\n  Provider: local\nScheduling:\n  Scheduler: slurm\n  SlurmQueues:\n"
        "    - Name: q\n      ComputeResources:\n        - Name: c\n          InstanceType: c5.xlarge\n"
        "          MinCount: 1\n          MaxCount: 2\n"
        "Daemons:\n  Clustermgtd:\n    Ec2InstanceMissingMaxCount: 0\n",
        "test.yaml");
    ASSERT_TRUE(loaded.config.has_value());
    ctx_.config = *loaded.config;
    auto store = store::StateStore::open(ctx_.paths.state_db());
    ASSERT_TRUE(store.ok());
    store_.emplace(std::move(*store));
  }
  void TearDown() override { std::filesystem::remove_all(ctx_.paths.root); }

  IterationReport iterate(int64_t now, bool dry_run = false) {
    CountingCommandRunner counting(runner_, metrics_);
    slurm::SlurmClient slurm(counting, {"/usr/bin", ""});
    EventLog events(ctx_.paths.events());
    Clustermgtd mgr(ctx_, ec2_, slurm, *store_, events);
    mgr.set_metrics(&metrics_);
    return mgr.run_once(now, dry_run);
  }
  // The rule of the last event line with this action: the one clustermgtd writes for the
  // action it executed (the launcher's own lines come before it).
  std::string event_rule(const std::string& action) {
    std::ifstream in(ctx_.paths.events());
    std::string line, rule = "<none>";
    while (std::getline(in, line)) {
      auto e = json::parse(line);
      if (e.value("action", "") == action) rule = e.value("rule", "");
    }
    return rule;
  }

  ClusterContext ctx_;
  FakeRunner runner_;
  FakeEc2 ec2_;
  DaemonMetrics metrics_;
  std::optional<store::StateStore> store_;
};

TEST_F(ClustermgtdMetricsTest, SkippedIterationIsCountedWithItsObservePhaseOnly) {
  ec2_.fail_describe = true;
  auto report = iterate(1'800'000'000);
  ASSERT_FALSE(report.observed);
  EXPECT_EQ(iteration_outcome(report), "skipped");
  json j = metrics_.to_json();
  EXPECT_EQ(j["iterations"], (json{{"skipped", 1}}));
  EXPECT_EQ(j["iteration_seconds"]["count"], 1);
  EXPECT_EQ(j["last_iteration"]["outcome"], "skipped");
  EXPECT_EQ(j["last_iteration"]["time"], 1'800'000'000);
  EXPECT_TRUE(j["phase_seconds"].contains("observe"));
  EXPECT_FALSE(j["phase_seconds"].contains("decide"));
  EXPECT_FALSE(j["phase_seconds"].contains("act"));
}

TEST_F(ClustermgtdMetricsTest, GoodIterationCountsPhasesLaunchesTerminationsAndCommands) {
  aws::Ec2Instance orphan;
  orphan.instance_id = "i-orphan";
  orphan.private_ip = "127.9.0.77";
  orphan.all_private_ips = {orphan.private_ip};
  orphan.state = "running";
  orphan.launch_time = 1'800'000'000 - 3600;
  ec2_.instances = {orphan};
  auto report = iterate(1'800'000'000);
  ASSERT_TRUE(report.observed) << report.skipped_because;
  ASSERT_EQ(report.actions_failed, 0);
  EXPECT_EQ(iteration_outcome(report), "ok");
  json j = metrics_.to_json();
  EXPECT_EQ(j["iterations"], (json{{"ok", 1}}));
  for (const char* phase : {"observe", "decide", "act"}) EXPECT_EQ(j["phase_seconds"][phase]["count"], 1) << phase;
  // One node launched, one instance terminated, under the rules the event log names.
  const std::string launch_rule = event_rule("launch-nodes");
  const std::string terminate_rule = event_rule("terminate-instances");
  ASSERT_NE(launch_rule, "<none>");
  ASSERT_NE(terminate_rule, "<none>");
  EXPECT_EQ(j["launches"], (json::array({{{"reason", launch_rule}, {"outcome", "ok"}, {"count", 1}}})));
  EXPECT_EQ(j["terminations"], (json::array({{{"reason", terminate_rule}, {"outcome", "ok"}, {"count", 1}}})));
  // scontrol show nodes / partitions went through the counting runner.
  uint64_t scontrol_ok = 0;
  for (const auto& c : j["commands"])
    if (c["command"] == "scontrol" && c["outcome"] == "ok") scontrol_ok = c["count"].get<uint64_t>();
  EXPECT_GE(scontrol_ok, 2u);

  // A dry run (ebbflow plan) observes and decides but records nothing.
  const json before = metrics_.to_json();
  iterate(1'800'000'060, true);
  json after = metrics_.to_json();
  EXPECT_EQ(after["iterations"], before["iterations"]);
  EXPECT_EQ(after["phase_seconds"], before["phase_seconds"]);
}

TEST_F(ClustermgtdMetricsTest, FailedSlurmCommandsAreCountedAsTimeouts) {
  runner_.fail = true;
  iterate(1'800'000'000);
  json j = metrics_.to_json();
  ASSERT_FALSE(j["commands"].empty());
  EXPECT_EQ(j["commands"][0]["outcome"], "timeout");
  EXPECT_EQ(j["iterations"], (json{{"skipped", 1}}));
}

}  // namespace
}  // namespace ebbflow::daemons
