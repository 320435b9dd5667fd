// Launching compute resources configured for CreateFleet.
// 1. create_fleet_request() builds, from ebbflow configurations equivalent to ParallelCluster's
//    test cases, exactly the requests ParallelCluster sends (the recorded expected_launch_params
//    JSON in ../shared/recorded-outputs/createfleet, serialised by botocore): same form params.
// 2. launch_and_bind() against the in-process local cloud (real CreateFleet replies, real
//    instance processes): full success, one type out of capacity with the other filling in,
//    partial capacity (the unlaunched nodes fail with the fleet's ICE code), total failure with
//    one error (that error's code), and all-or-nothing over several types and subnets, which
//    ebbflow enforces itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>

#include "../cloud/in_process_ec2.h"
#include "aws/query_form.h"
#include "cloud/instance_process.h"
#include "core/slurm_node.h"
#include "daemons/launcher.h"
#include "daemons/slurm_conf.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

struct Shell {
  int exit_code = -1;
  std::string out;
};
Shell run(const std::string& cmd) {
  Shell r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

config::ClusterConfig load(const std::string& yaml) {
  auto r = config::load_cluster_config_string(yaml, "fleet.yaml");
  std::string issues;
  for (const auto& i : r.issues) issues += i.to_string("fleet.yaml") + "\n";
  EXPECT_TRUE(r.config.has_value()) << issues;
  return r.config ? *r.config : config::ClusterConfig{};
}

// The queues of ParallelCluster's fleet-manager test cases, as ebbflow configuration.
const char* kParallelClusterCases = R"(Region: us-east-1
Cloud:
  Provider: local
  InstanceTypes:
    - {Name: t2.large, VCpus: 2, MemoryMiB: 8192}
Scheduling:
  SlurmQueues:
    - Name: queue1
      CapacityType: SPOT
      Networking: {SubnetIds: ["1234567"]}
      ComputeResources:
        - Name: fleet-spot
          Instances: [{InstanceType: t2.medium}, {InstanceType: t2.large}]
          AllocationStrategy: capacity-optimized
          SpotPrice: 10
    - Name: queue2
      Networking: {SubnetIds: ["1234567"]}
      ComputeResources:
        - Name: fleet-ondemand
          Instances: [{InstanceType: t2.medium}, {InstanceType: t2.large}]
    - Name: queue4
      Networking: {SubnetIds: ["1234567"]}
      ComputeResources:
        - Name: fleet1
          Instances: [{InstanceType: t2.medium}, {InstanceType: t2.large}]
    - Name: queue5
      Networking: {SubnetIds: ["1234567", "7654321"]}
      ComputeResources:
        - Name: fleet1
          Instances: [{InstanceType: t2.medium}]
    - Name: queue6
      Networking: {SubnetIds: ["1234567", "7654321"]}
      ComputeResources:
        - Name: fleet1
          Instances: [{InstanceType: t2.medium}, {InstanceType: t2.large}]
)";

TEST(CreateFleetRequest, EqualsParallelClustersRecordedRequests) {
  struct Case {
    const char* file;
    const char* queue;
    const char* cr;
    bool all_or_nothing;
  };
  const Case cases[] = {
      {"fleet_spot", "queue1", "fleet-spot", false},
      {"all_or_nothing", "queue1", "fleet-spot", true},
      {"fleet_ondemand", "queue2", "fleet-ondemand", false},
      {"fleet-single-az-multi-it-all_or_nothing", "queue4", "fleet1", true},
      {"fleet-multi-az-single-it-all_or_nothing", "queue5", "fleet1", true},
      {"fleet-multi-az-multi-it", "queue6", "fleet1", false},
      {"fleet-multi-az-multi-it-all_or_nothing", "queue6", "fleet1", true},
  };
  const std::string dir = env_or("EBBFLOW_SHARED_DIR", EBBFLOW_SHARED_DIR_DEFAULT) + "/recorded-outputs/createfleet/";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no recorded CreateFleet requests in " << dir;
  std::string files;
  for (const auto& c : cases) files += " '" + dir + c.file + "__expected_launch_params.json'";
  const std::string source = env_or("EBBFLOW_SOURCE_DIR", EBBFLOW_SOURCE_DIR_DEFAULT);
  Shell out = run("python3 '" + source + "/tests/unit/aws/botocore_serialize_params.py' CreateFleet" + files);
  if (out.exit_code == 77 || out.exit_code == 127) GTEST_SKIP() << "python3 with botocore is not available";
  ASSERT_EQ(out.exit_code, 0);
  json expected = json::parse(out.out);
  ASSERT_EQ(expected.size(), std::size(cases));

  config::ClusterConfig cfg = load(kParallelClusterCases);
  for (size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(cases[i].file);
    const config::SlurmQueue* q = cfg.find_queue(cases[i].queue);
    const config::ComputeResource* cr = cfg.find_compute_resource(cases[i].queue, cases[i].cr);
    ASSERT_TRUE(q && cr);
    EXPECT_TRUE(cr->uses_create_fleet());
    aws::CreateFleetRequest req = create_fleet_request(*q, *cr, launch_template_name("hit", q->name, cr->name), 5,
                                                       cases[i].all_or_nothing);
    std::map<std::string, std::string> ours;
    for (auto& [k, v] : aws::decode_form(aws::encode_create_fleet(req))) ours[k] = v;
    using Params = std::map<std::string, std::string>;
    EXPECT_EQ(ours, expected[i].get<Params>());
  }
}

TEST(CreateFleetRequest, FailureCodePrefersCapacityErrors) {
  aws::FleetError vcpu{"VcpuLimitExceeded", "", "", {}}, ice{"InsufficientInstanceCapacity", "", "", {}};
  EXPECT_EQ(fleet_failure_code({vcpu, ice}, 0), "InsufficientInstanceCapacity");
  EXPECT_EQ(fleet_failure_code({vcpu}, 2), "VcpuLimitExceeded");
  EXPECT_EQ(fleet_failure_code({}, 0), "InsufficientInstanceCapacity");
  EXPECT_EQ(fleet_failure_code({}, 3), "LimitedInstanceCapacity");
}

// scontrol that records updates and succeeds.
class RecordingRunner : public CommandRunner {
 public:
  std::vector<std::vector<std::string>> updates;
  Result<CommandOutput> run(const CommandSpec& spec) override {
    if (spec.argv.size() >= 2 && spec.argv[1] == "update") updates.push_back(spec.argv);
    return CommandOutput{0, "", ""};
  }
};

class FleetLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebbflow-fleet-XXXXXX";
    root_ = mkdtemp(tmpl);
    ctx_.paths.root = root_ + "/cluster";
    std::filesystem::create_directories(ctx_.paths.root);
    ctx_.runtime.name = "demo";
    ctx_.config = load(R"(Region: us-east-1
Cloud:
  Provider: local
Scheduling:
  SlurmQueues:
    - Name: flex
      Networking: {SubnetIds: [subnet-a, subnet-b]}
      ComputeResources:
        - Name: mixed
          Instances: [{InstanceType: c5.xlarge}, {InstanceType: m5.xlarge}]
          MaxCount: 10
        - Name: only
          Instances: [{InstanceType: c5.xlarge}]
          MaxCount: 10
    - Name: plain
      ComputeResources:
        - Name: single
          InstanceType: c5.xlarge
          MaxCount: 10
)");
    auto store = store::StateStore::open(ctx_.paths.state_db());
    ASSERT_TRUE(store.ok());
    store_.emplace(std::move(*store));
    open_cloud("127.78.0.0/16");
  }
  void open_cloud(const std::string& pool) {
    kill_instances();
    cloud::CloudOptions o;
    o.state_dir = root_ + "/cloud-" + std::to_string(++clouds_);
    o.imds_base_url = "http://127.0.0.1:1/imds/";
    o.kill_grace_s = 0;
    o.address_pool = pool;
    auto c = cloud::LocalCloud::open(o, now_);
    ASSERT_TRUE(c.ok()) << c.error().describe();
    cloud_ = std::move(*c);
    aws::ClientConfig cc;
    cc.endpoint = "http://127.0.0.1:1";
    cc.credentials = {"AKID", "secret", ""};
    cc.max_attempts = 1;
    ec2_ = std::make_unique<aws::Ec2Client>(
        cc, std::make_unique<cloud::testing::InProcessEc2Http>(*cloud_, [this] { return now_; }));
    for (const auto& q : ctx_.config.queues)
      for (const auto& cr : q.compute_resources) {
        aws::LaunchTemplateRequest lt{launch_template_name("demo", q.name, cr.name), cr.instance_type,
                                      "exec sleep 60\n", {}};
        ASSERT_TRUE(ec2_->create_launch_template(lt).ok());
      }
  }
  void kill_instances() {
    if (!cloud_) return;
    auto state = cloud_->state_json();
    for (auto& i : state["instances"])
      if (i["state"] != "terminated") cloud::signal_group(i["pgid"].get<int>(), SIGKILL);
    for (int k = 0; k < 50; ++k) cloud_->tick(now_ + 1000);
  }
  void TearDown() override {
    kill_instances();
    std::filesystem::remove_all(root_);
  }
  void fail_type(const std::string& type, const std::string& code = "InsufficientInstanceCapacity") {
    ASSERT_TRUE(cloud_->add_fault({{"kind", "fail-launch"}, {"code", code}, {"instance_type", type}, {"count", -1}}).ok());
  }
  LaunchResult launch(const std::vector<std::string>& nodes, bool all_or_nothing = false) {
    auto plan = core::plan_launch(nodes, queue_specs(ctx_.config), 100, core::LaunchPurpose::kResume);
    slurm::SlurmClient slurm(runner_, {"/usr/bin", ""});
    EventLog events(ctx_.paths.events());
    LaunchOptions opts;
    opts.all_or_nothing = all_or_nothing;
    opts.wait = [this](std::chrono::milliseconds d) { waited_.push_back(d); };
    return launch_and_bind(ctx_, *ec2_, slurm, *store_, events, plan, opts);
  }
  std::map<std::string, std::string> live_types() {  // instance id -> type, not terminated
    std::map<std::string, std::string> out;
    auto state = cloud_->state_json();
    for (auto& i : state["instances"])
      if (i["state"] != "terminated" && i["state"] != "shutting-down") out[i["instance_id"]] = i["instance_type"];
    return out;
  }
  static std::vector<std::string> nodes(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }

  std::string root_;
  int clouds_ = 0;
  int64_t now_ = 1'800'000'000;
  ClusterContext ctx_;
  std::optional<store::StateStore> store_;
  std::unique_ptr<cloud::LocalCloud> cloud_;
  std::unique_ptr<aws::Ec2Client> ec2_;
  RecordingRunner runner_;
  std::vector<std::chrono::milliseconds> waited_;
};

TEST_F(FleetLaunchTest, FullSuccessBindsEveryNodeToAFleetInstance) {
  auto r = launch(nodes("flex-dy-mixed-", 3));
  EXPECT_EQ(r.create_fleet_calls, 1);
  EXPECT_EQ(r.run_instances_calls, 0);
  EXPECT_TRUE(r.failed.empty());
  ASSERT_EQ(r.bound.size(), 3u);
  auto live = live_types();
  for (const auto& [node, id] : r.bound) {
    ASSERT_TRUE(live.count(id)) << node;
    EXPECT_EQ(live[id], "c5.xlarge");  // the first type fills the target
  }
  ASSERT_EQ(runner_.updates.size(), 1u);  // one scontrol update binds the three nodes
  std::string argv;
  for (const auto& a : runner_.updates[0]) argv += a + " ";
  EXPECT_NE(argv.find("nodeaddr=127.78."), std::string::npos) << argv;
  EXPECT_TRUE(waited_.empty()) << "the local cloud answers DescribeInstances with addresses at once";
}

TEST_F(FleetLaunchTest, OneTypeOutOfCapacityTheOtherFillsIn) {
  fail_type("c5.xlarge");
  auto r = launch(nodes("flex-dy-mixed-", 3));
  EXPECT_TRUE(r.failed.empty());
  ASSERT_EQ(r.bound.size(), 3u);
  auto live = live_types();
  for (const auto& [node, id] : r.bound) EXPECT_EQ(live[id], "m5.xlarge") << node;
}

TEST_F(FleetLaunchTest, PartialCapacityFailsTheRestWithTheFleetsCapacityError) {
  open_cloud("127.78.9.0/29");  // room for 6 instances
  fail_type("c5.xlarge");
  auto r = launch(nodes("flex-dy-mixed-", 8));
  EXPECT_EQ(r.bound.size(), 6u);
  ASSERT_EQ(r.failed.size(), 1u);
  ASSERT_TRUE(r.failed.count("InsufficientInstanceCapacity"));
  EXPECT_EQ(r.failed["InsufficientInstanceCapacity"], (std::vector<std::string>{"flex-dy-mixed-7", "flex-dy-mixed-8"}));
  EXPECT_TRUE(core::is_insufficient_capacity_code(r.failed.begin()->first));
}

TEST_F(FleetLaunchTest, TotalFailureWithOneErrorFailsWithThatCode) {
  fail_type("c5.xlarge", "VcpuLimitExceeded");
  auto r = launch(nodes("flex-dy-only-", 2));
  EXPECT_TRUE(r.bound.empty());
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed.begin()->first, "VcpuLimitExceeded");
  EXPECT_EQ(r.failed.begin()->second.size(), 2u);
  EXPECT_TRUE(live_types().empty());
  // The event log names the fleet's error, so launch-failure metrics count it.
  std::ifstream in(ctx_.paths.events());
  std::string line, last_error;
  while (std::getline(in, line))
    if (line.find("\"create-fleet\"") != std::string::npos) last_error = line;
  EXPECT_NE(last_error.find("VcpuLimitExceeded: VcpuLimitExceeded for c5.xlarge"), std::string::npos) << last_error;
}

TEST_F(FleetLaunchTest, EveryTypeOutOfCapacityIsAnIceFailure) {
  fail_type("c5.xlarge");
  fail_type("m5.xlarge");
  auto r = launch(nodes("flex-dy-mixed-", 2));
  EXPECT_TRUE(r.bound.empty());
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed.begin()->first, "InsufficientInstanceCapacity");
}

TEST_F(FleetLaunchTest, AllOrNothingAcrossTypesAndSubnetsIsEnforcedByEbbflow) {
  open_cloud("127.78.9.0/29");  // room for 6 of the 8
  auto r = launch(nodes("flex-dy-mixed-", 8), /*all_or_nothing=*/true);
  EXPECT_TRUE(r.bound.empty());
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed.begin()->first, "InsufficientInstanceCapacity");
  EXPECT_EQ(r.failed.begin()->second.size(), 8u);
  EXPECT_TRUE(live_types().empty()) << "the short fleet's instances are terminated";
}

TEST_F(FleetLaunchTest, AllOrNothingWithOneTypeIsLeftToEc2) {
  open_cloud("127.78.9.0/29");
  auto r = launch(nodes("flex-dy-only-", 8), /*all_or_nothing=*/true);  // MinTargetCapacity = 8
  EXPECT_TRUE(r.bound.empty());
  EXPECT_EQ(r.failed.begin()->first, "InsufficientInstanceCapacity");
  EXPECT_TRUE(live_types().empty());
}

TEST_F(FleetLaunchTest, SlurmNodeDefinitionUsesTheSmallestTypesMemory) {
  // m5.xlarge (4 vCPUs, 16384 MiB) listed first, c5.xlarge (4 vCPUs, 8192 MiB) second: one definition.
  config::ComputeResource& cr = ctx_.config.queues[0].compute_resources[0];
  cr.instance_types = {"m5.xlarge", "c5.xlarge"};
  cr.instance_type = "m5.xlarge";
  const std::string conf = render_slurm_conf(ctx_);
  EXPECT_NE(conf.find("NodeName=flex-dy-mixed-[1-10] CPUs=4 RealMemory=8192 "), std::string::npos) << conf;
}

TEST_F(FleetLaunchTest, SingleTypeResourcesStillUseRunInstances) {
  auto r = launch(nodes("plain-dy-single-", 2));
  EXPECT_EQ(r.run_instances_calls, 1);
  EXPECT_EQ(r.create_fleet_calls, 0);
  EXPECT_EQ(r.bound.size(), 2u);
}

// A cloud whose DescribeInstances shows the fleet's instances without an address for the first
// `describes_without_address` calls (EC2's eventual consistency), and one instance never.
class SlowAddressEc2 : public aws::Ec2Api {
 public:
  int describes_without_address = 0;
  std::string never_addressed;  // an instance id that never gets an address
  int describe_calls = 0;
  std::vector<std::string> terminated;
  Result<aws::CreateFleetResult> create_fleet(const aws::CreateFleetRequest& req) override {
    aws::CreateFleetResult r;
    r.fleet_id = "fleet-1";
    aws::FleetInstanceSet set;
    set.instance_type = req.overrides.front().instance_type;
    for (int i = 0; i < req.total_target_capacity; ++i) set.instance_ids.push_back("i-" + std::to_string(i));
    r.instances.push_back(set);
    return r;
  }
  Result<std::vector<aws::Ec2Instance>> describe_instances(const std::vector<aws::Filter>&,
                                                           const std::vector<std::string>& ids) override {
    ++describe_calls;
    std::vector<aws::Ec2Instance> out;
    for (const auto& id : ids) {
      aws::Ec2Instance i;
      i.instance_id = id;
      i.instance_type = "c5.xlarge";
      i.state = "pending";
      if (describe_calls > describes_without_address && id != never_addressed)
        i.private_ip = "127.9.1." + std::to_string(10 + std::stoi(id.substr(2)));
      out.push_back(i);
    }
    return out;
  }
  Result<std::vector<aws::Ec2Instance>> run_instances(const aws::RunInstancesRequest&) override {
    return make_error(ErrorKind::kGiveUp, "Unexpected", "this test launches with CreateFleet only");
  }
  Result<std::vector<aws::InstanceStateChange>> terminate_instances(const std::vector<std::string>& ids) override {
    terminated.insert(terminated.end(), ids.begin(), ids.end());
    return std::vector<aws::InstanceStateChange>{};
  }
  Result<std::vector<aws::InstanceStatus>> describe_instance_status(const std::vector<aws::Filter>&,
                                                                    const std::vector<std::string>&, bool) override {
    return std::vector<aws::InstanceStatus>{};
  }
  Status create_tags(const std::vector<std::string>&, const aws::Tags&) override { return {}; }
  Status create_launch_template(const aws::LaunchTemplateRequest&) override { return {}; }
  Status delete_launch_template(const std::string&) override { return {}; }
};

TEST_F(FleetLaunchTest, AddressesAreAwaitedWithParallelClustersBackOffAndMissingOnesTerminated) {
  SlowAddressEc2 slow;
  slow.describes_without_address = 2;
  slow.never_addressed = "i-1";
  auto plan = core::plan_launch(nodes("flex-dy-mixed-", 3), queue_specs(ctx_.config), 100, core::LaunchPurpose::kResume);
  slurm::SlurmClient slurm(runner_, {"/usr/bin", ""});
  EventLog events(ctx_.paths.events());
  LaunchOptions opts;
  opts.wait = [this](std::chrono::milliseconds d) { waited_.push_back(d); };
  LaunchResult r = launch_and_bind(ctx_, slow, slurm, *store_, events, plan, opts);
  // Attempts 1 and 2 see no address, 3 sees two of three, 4 and 5 keep waiting for i-1.
  EXPECT_EQ(slow.describe_calls, 5);
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(waited_, (std::vector<ms>{ms(100), ms(300), ms(600), ms(1200)}));
  EXPECT_EQ(slow.terminated, (std::vector<std::string>{"i-1"}));
  ASSERT_EQ(r.bound.size(), 2u);
  EXPECT_EQ(r.bound["flex-dy-mixed-1"], "i-0");
  EXPECT_EQ(r.bound["flex-dy-mixed-2"], "i-2");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed.begin()->first, "LimitedInstanceCapacity");  // no fleet error to name
  EXPECT_EQ(r.failed.begin()->second, (std::vector<std::string>{"flex-dy-mixed-3"}));
}

}  // namespace
}  // namespace ebbflow::daemons
