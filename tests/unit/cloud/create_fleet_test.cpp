// The local cloud's CreateFleet, driven by ebbflow's own Ec2Client in process (InProcessEc2Http):
// full success, partial success when one instance type is out of capacity, MinTargetCapacity,
// SingleInstanceType, prioritized order, ClientToken idempotency, tags, unsupported fleet types;
// and botocore's EC2 parser reads the local cloud's reply as ebbflow's parser does.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../aws/test_support.h"
#include "aws/ec2.h"
#include "cloud/base64.h"
#include "cloud/instance_process.h"
#include "in_process_ec2.h"
#include "test_dir.h"

namespace ebbflow::cloud {
namespace {

using aws::CreateFleetRequest;
using aws::FleetOverride;

class CreateFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CloudOptions o;
    o.state_dir = dir_.path();
    o.imds_base_url = "http://127.0.0.1:1/imds/";
    o.kill_grace_s = 0;
    auto c = LocalCloud::open(o, now_);
    ASSERT_TRUE(c.ok()) << c.error().describe();
    cloud_ = std::move(*c);
    auto http = std::make_unique<testing::InProcessEc2Http>(*cloud_, [this] { return now_; });
    http_ = http.get();
    aws::ClientConfig cc;
    cc.endpoint = "http://127.0.0.1:1";
    cc.credentials = {"AKID", "secret", ""};
    cc.max_attempts = 1;
    ec2_ = std::make_unique<aws::Ec2Client>(cc, std::move(http));
    aws::LaunchTemplateRequest lt{"demo-q-cr", "t3.micro", "exec sleep 60\n", {{"role", "compute"}}};
    ASSERT_TRUE(ec2_->create_launch_template(lt).ok());
  }
  void TearDown() override {
    if (!cloud_) return;
    auto state = cloud_->state_json();
    for (auto& i : state["instances"])
      if (i["state"] != "terminated") signal_group(i["pgid"].get<int>(), SIGKILL);
    for (int k = 0; k < 50; ++k) cloud_->tick(now_ + 1000);
  }
  static CreateFleetRequest two_types(int count) {
    CreateFleetRequest r;
    r.launch_template_name = "demo-q-cr";
    r.overrides = {{"c5.xlarge", "subnet-1", "", std::nullopt}, {"m5.xlarge", "subnet-1", "", std::nullopt}};
    r.total_target_capacity = count;
    r.allocation_strategy = "lowest-price";
    r.single_availability_zone = true;
    r.min_target_capacity = 1;
    return r;
  }
  void fail_type(const std::string& type, const std::string& code = "InsufficientInstanceCapacity") {
    ASSERT_TRUE(cloud_->add_fault({{"kind", "fail-launch"}, {"code", code}, {"instance_type", type}, {"count", -1}}).ok());
  }
  std::vector<aws::Ec2Instance> describe(const std::vector<std::string>& ids) {
    auto d = ec2_->describe_instances({}, ids);
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : std::vector<aws::Ec2Instance>{};
  }

  testing::TempDir dir_;
  int64_t now_ = 1700000000;
  std::unique_ptr<LocalCloud> cloud_;
  testing::InProcessEc2Http* http_ = nullptr;
  std::unique_ptr<aws::Ec2Client> ec2_;
};

TEST_F(CreateFleetTest, FillsTheTargetWithTheFirstTypeAndTagsTheInstances) {
  CreateFleetRequest req = two_types(3);
  req.instance_tags = {{"ebbflow:queue-name", "q"}};
  auto r = ec2_->create_fleet(req);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->fleet_id.rfind("fleet-", 0), 0u);
  EXPECT_TRUE(r->errors.empty());
  ASSERT_EQ(r->instances.size(), 1u);
  EXPECT_EQ(r->instances[0].instance_type, "c5.xlarge");
  EXPECT_EQ(r->instances[0].lifecycle, "on-demand");
  EXPECT_EQ(r->instances[0].launch_target.launch_template_name, "demo-q-cr");
  EXPECT_EQ(r->instances[0].launch_target.overrides.subnet_id, "subnet-1");
  ASSERT_EQ(r->instance_ids().size(), 3u);
  auto described = describe(r->instance_ids());
  ASSERT_EQ(described.size(), 3u);
  for (const auto& i : described) {
    EXPECT_EQ(i.instance_type, "c5.xlarge");
    EXPECT_EQ(i.state, "running");
    EXPECT_FALSE(i.private_ip.empty());
    EXPECT_EQ(i.tags.at("role"), "compute");            // from the launch template
    EXPECT_EQ(i.tags.at("ebbflow:queue-name"), "q");     // from TagSpecification
    EXPECT_EQ(i.tags.at("aws:ec2:fleet-id"), r->fleet_id);
    EXPECT_EQ(i.tags.count("aws:ec2launchtemplate:id"), 1u);
  }
}

TEST_F(CreateFleetTest, OneTypeOutOfCapacityIsAPartialSuccessWithTheOtherType) {
  fail_type("c5.xlarge");
  auto r = ec2_->create_fleet(two_types(2));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "InsufficientInstanceCapacity");
  EXPECT_EQ(r->errors[0].launch_target.overrides.instance_type, "c5.xlarge");
  EXPECT_EQ(r->errors[0].launch_target.overrides.subnet_id, "subnet-1");
  ASSERT_EQ(r->instances.size(), 1u);
  EXPECT_EQ(r->instances[0].instance_type, "m5.xlarge");
  EXPECT_EQ(r->instances[0].instance_ids.size(), 2u);
}

TEST_F(CreateFleetTest, EveryTypeFailingGivesErrorsAndNoInstances) {
  fail_type("c5.xlarge");
  fail_type("m5.xlarge", "InsufficientInstanceCapacity");
  auto r = ec2_->create_fleet(two_types(2));
  ASSERT_TRUE(r.ok()) << r.error().describe();  // an instant fleet reports failures in errorSet
  EXPECT_TRUE(r->instances.empty());
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[1].launch_target.overrides.instance_type, "m5.xlarge");
  EXPECT_TRUE(cloud_->state_json()["instances"].empty());
}

TEST_F(CreateFleetTest, AShortPoolGivesPartialCapacityUnlessMinTargetCapacityForbidsIt) {
  // A second cloud whose address pool holds 6 instances (a /29 without .0 and .1).
  testing::TempDir dir;
  CloudOptions o;
  o.state_dir = dir.path();
  o.imds_base_url = "http://127.0.0.1:1/imds/";
  o.kill_grace_s = 0;
  o.address_pool = "127.77.9.0/29";
  auto small = LocalCloud::open(o, now_);
  ASSERT_TRUE(small.ok()) << small.error().describe();
  aws::ClientConfig cc;
  cc.endpoint = "http://127.0.0.1:1";
  cc.credentials = {"AKID", "secret", ""};
  cc.max_attempts = 1;
  aws::Ec2Client ec2(cc, std::make_unique<testing::InProcessEc2Http>(**small, [this] { return now_; }));
  ASSERT_TRUE(ec2.create_launch_template({"demo-q-cr", "t3.micro", "exec sleep 60\n", {}}).ok());

  CreateFleetRequest req = two_types(8);
  req.min_target_capacity = 8;  // all-or-nothing: 6 is not enough
  auto none = ec2.create_fleet(req);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->instances.empty());
  ASSERT_FALSE(none->errors.empty());
  EXPECT_EQ(none->errors[0].code, "InsufficientInstanceCapacity");
  EXPECT_TRUE((*small)->state_json()["instances"].empty());

  req.min_target_capacity = 1;  // best effort: take the 6
  auto some = ec2.create_fleet(req);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->instance_ids().size(), 6u);
  EXPECT_EQ(some->instances[0].instance_type, "c5.xlarge");
  ASSERT_EQ(some->errors.size(), 2u);  // c5 ran out after 6; m5 found nothing left
  EXPECT_EQ(some->errors[1].launch_target.overrides.instance_type, "m5.xlarge");
  auto state = (*small)->state_json();
  for (auto& i : state["instances"])
    if (i["state"] != "terminated") signal_group(i["pgid"].get<int>(), SIGKILL);
  for (int k = 0; k < 50; ++k) (*small)->tick(now_ + 1000);
}

TEST_F(CreateFleetTest, SingleInstanceTypeAndPrioritizedOrder) {
  CreateFleetRequest req = two_types(2);
  req.allocation_strategy = "prioritized";
  req.single_instance_type = true;
  req.overrides[0].priority = 2.0;
  req.overrides[1].priority = 1.0;  // m5 first
  auto r = ec2_->create_fleet(req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->instances.size(), 1u);
  EXPECT_EQ(r->instances[0].instance_type, "m5.xlarge");
  EXPECT_EQ(r->instances[0].launch_target.overrides.priority, 1.0);
}

TEST_F(CreateFleetTest, ClientTokenLaunchesOnce) {
  CreateFleetRequest req = two_types(2);
  req.client_token = "fleet-token-1";
  auto first = ec2_->create_fleet(req);
  auto again = ec2_->create_fleet(req);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->instance_ids(), again->instance_ids());
  EXPECT_EQ(first->fleet_id, again->fleet_id);
  EXPECT_EQ(cloud_->state_json()["instances"].size(), 2u);
}

TEST_F(CreateFleetTest, OnlyInstantFleetsAndKnownTemplates) {
  CreateFleetRequest req = two_types(1);
  req.type = "maintain";
  auto r = ec2_->create_fleet(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnsupportedOperation");
  req.type = "instant";
  req.launch_template_name = "nope";
  r = ec2_->create_fleet(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidLaunchTemplateName.NotFoundException");
  req = two_types(1);
  req.overrides[0].instance_type = "zz.huge";
  r = ec2_->create_fleet(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue");
}

TEST_F(CreateFleetTest, BotocoreParsesTheReplyAsEbbflowDoes) {
  fail_type("c5.xlarge");
  CreateFleetRequest req = two_types(2);
  req.default_target_capacity_type = "spot";
  req.overrides[0].max_price = "0.5";
  req.overrides[1].max_price = "0.5";
  // Capture the raw reply: send the same form the client would, straight to the cloud.
  Ec2Reply reply = cloud_->handle(QueryParams::parse(aws::encode_create_fleet(req)), now_, "req-x");
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  auto ours = aws::parse_create_fleet(reply.body);
  ASSERT_TRUE(ours.ok());
  const std::string path = dir_.path() + "/create_fleet_reply.xml";
  std::ofstream(path) << reply.body;
  auto out = aws::testing::run_command("python3 '" + aws::testing::source_dir() +
                                       "/tests/unit/aws/botocore_parse_reply.py' CreateFleet '" + path + "'");
  if (out.exit_code == aws::testing::kNoBotocore || out.exit_code == 127)
    GTEST_SKIP() << "python3 with botocore is not available";
  ASSERT_EQ(out.exit_code, 0);
  auto theirs = nlohmann::json::parse(out.out);
  EXPECT_EQ(theirs["FleetId"], ours->fleet_id);
  ASSERT_EQ(theirs["Instances"].size(), ours->instances.size());
  ASSERT_EQ(ours->instances.size(), 1u);
  const auto& ti = theirs["Instances"][0];
  EXPECT_EQ(ti["InstanceIds"].get<std::vector<std::string>>(), ours->instances[0].instance_ids);
  EXPECT_EQ(ti["InstanceType"], ours->instances[0].instance_type);
  EXPECT_EQ(ti["Lifecycle"], "spot");
  EXPECT_EQ(ti["LaunchTemplateAndOverrides"]["Overrides"]["InstanceType"], "m5.xlarge");
  EXPECT_EQ(ti["LaunchTemplateAndOverrides"]["Overrides"]["MaxPrice"], "0.5");
  EXPECT_EQ(ti["LaunchTemplateAndOverrides"]["LaunchTemplateSpecification"]["LaunchTemplateName"], "demo-q-cr");
  ASSERT_EQ(theirs["Errors"].size(), 1u);
  ASSERT_EQ(ours->errors.size(), 1u);
  const auto& te = theirs["Errors"][0];
  EXPECT_EQ(te["ErrorCode"], ours->errors[0].code);
  EXPECT_EQ(te["ErrorCode"], "InsufficientInstanceCapacity");
  EXPECT_EQ(te["ErrorMessage"], ours->errors[0].message);
  EXPECT_EQ(te["Lifecycle"], "spot");
  EXPECT_EQ(te["LaunchTemplateAndOverrides"]["Overrides"]["InstanceType"], "c5.xlarge");
  EXPECT_EQ(te["LaunchTemplateAndOverrides"]["Overrides"]["SubnetId"], "subnet-1");
}

}  // namespace
}  // namespace ebbflow::cloud
