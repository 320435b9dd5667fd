// The clustermgtd iteration with fake Slurm and cloud ports: a failed or timed-out read never
// leads to an action, but clustermgtd is alive and says so (heartbeat written: an outage of Slurm
// or the cloud must not make compute nodes shut themselves down); a good read acts and writes it.
#include "daemons/clustermgtd.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ebbflow::daemons {
namespace {

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
  std::string squeue = "";  // what squeue prints
  std::vector<std::vector<std::string>> updates;
  Result<CommandOutput> run(const CommandSpec& spec) override {
    if (fail) return make_error(ErrorKind::kUnavailable, "Timeout", "scontrol did not finish");
    const auto& a = spec.argv;
    if (!a.empty() && a[0].size() >= 6 && a[0].compare(a[0].size() - 6, 6, "squeue") == 0)
      return CommandOutput{0, squeue, ""};
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

class ClustermgtdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebbflow-mgtd-XXXXXX";
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

  IterationReport iterate(int64_t now) {
    slurm::SlurmClient slurm(runner_, {"/usr/bin", ""});
    EventLog events(ctx_.paths.events());
    Clustermgtd mgr(ctx_, ec2_, slurm, *store_, events);
    return mgr.run_once(now);
  }
  bool heartbeat_written() const { return std::filesystem::exists(ctx_.paths.heartbeat()); }

  ClusterContext ctx_;
  FakeRunner runner_;
  FakeEc2 ec2_;
  std::optional<store::StateStore> store_;
};

TEST_F(ClustermgtdTest, FailedSlurmReadTerminatesNothingButKeepsTheHeartbeat) {
  runner_.fail = true;
  ec2_.instances = {};
  auto report = iterate(1'800'000'000);
  EXPECT_FALSE(report.observed);
  EXPECT_TRUE(ec2_.terminated.empty());
  EXPECT_EQ(ec2_.launches, 0);
  ASSERT_TRUE(heartbeat_written());
  EXPECT_EQ(*read_heartbeat(ctx_.paths.heartbeat()), 1'800'000'000);
  // Still failing a loop later: the heartbeat moves on (alive), still nothing done.
  iterate(1'800'000'060);
  EXPECT_EQ(*read_heartbeat(ctx_.paths.heartbeat()), 1'800'000'060);
  EXPECT_TRUE(ec2_.terminated.empty());
}

TEST_F(ClustermgtdTest, AnUnreadableJobHistoryIsNotedOnceWhileItLasts) {
  auto loaded = config::load_cluster_config_string(
      "Region: us-east-1\nCloud:\n  Provider: local\nScheduling:\n  Scheduler: slurm\n"
      "  SlurmSettings:\n    ScaledownPolicy: warm-pool\n  SlurmQueues:\n"
      "    - Name: q\n      ComputeResources:\n        - Name: c\n          InstanceType: c5.xlarge\n"
      "          MinCount: 1\n          MaxCount: 2\n",
      "test.yaml");
  ASSERT_TRUE(loaded.config.has_value());
  ctx_.config = *loaded.config;
  slurm::SlurmClient slurm(runner_, {"/usr/bin", ""});
  EventLog events(ctx_.paths.events());
  Clustermgtd mgr(ctx_, ec2_, slurm, *store_, events);
  auto notes = [&] {
    std::ifstream in(ctx_.paths.events());
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find("job history not read") != std::string::npos;
    return n;
  };
  runner_.squeue = "not,squeue,output\n";
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(mgr.run_once(1'800'000'000 + 60 * k).observed);
  EXPECT_EQ(notes(), 1);  // one note while the same error lasts, not one per loop
  runner_.squeue = "5,2027-01-15T08:00:00,1,PENDING,N/A\n";
  ASSERT_TRUE(mgr.run_once(1'800'000'180).observed);
  runner_.squeue = "garbage\n";
  ASSERT_TRUE(mgr.run_once(1'800'000'240).observed);
  EXPECT_EQ(notes(), 2);  // read again in between: a new failure is noted
}

TEST_F(ClustermgtdTest, FailedCloudReadTerminatesNothingButKeepsTheHeartbeat) {
  ec2_.fail_describe = true;
  auto report = iterate(1'800'000'000);
  EXPECT_FALSE(report.observed);
  EXPECT_TRUE(ec2_.terminated.empty());
  EXPECT_EQ(ec2_.launches, 0);
  EXPECT_TRUE(runner_.updates.empty()) << "no scontrol update on missing information";
  EXPECT_TRUE(heartbeat_written());
}

TEST_F(ClustermgtdTest, GoodReadReplacesLostStaticInstanceAndWritesHeartbeat) {
  // An orphan (no node) old enough to be terminated, and nothing at the static node's address.
  aws::Ec2Instance orphan;
  orphan.instance_id = "i-orphan";
  orphan.private_ip = "127.9.0.77";
  orphan.all_private_ips = {orphan.private_ip};
  orphan.state = "running";
  orphan.launch_time = 1'800'000'000 - 3600;
  ec2_.instances = {orphan};
  auto report = iterate(1'800'000'000);
  ASSERT_TRUE(report.observed) << report.skipped_because;
  EXPECT_EQ(report.actions_failed, 0);
  EXPECT_EQ(ec2_.launches, 1);
  EXPECT_EQ(ec2_.terminated, std::vector<std::string>{"i-orphan"});
  EXPECT_TRUE(heartbeat_written());
  auto hb = read_heartbeat(ctx_.paths.heartbeat());
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(*hb, 1'800'000'000);
  // The replacement is durable: a restarted manager knows the node is being replaced.
  auto saved = store_->load_manager_state();
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->replacing.count("q-st-c-1"), 1u);
}

}  // namespace
}  // namespace ebbflow::daemons
