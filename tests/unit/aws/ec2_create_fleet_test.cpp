// CreateFleet on the client side.
// 1. Requests: the cases of tests/data/aws/create_fleet_cases.json go through botocore
//    (botocore_create_fleet.py: its EC2 serializer, its form encoding, its SigV4Auth at a fixed
//    time) and through Ec2Client with the same clock and credentials; the body bytes and the
//    Authorization header must be identical.
// 2. Replies: parse_create_fleet reads EC2's documented reply shape (fleetInstanceSet / errorSet
//    with launchTemplateAndOverrides), including partial success.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws/ec2.h"
#include "fake_http.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

using nlohmann::json;

constexpr int64_t kFixedNow = 1709288130;  // 2024-03-01T10:15:30Z, botocore_create_fleet.py's FIXED

CreateFleetRequest request_of(const json& a) {
  CreateFleetRequest r;
  r.launch_template_name = a["launch_template_name"];
  r.launch_template_version = a.value("launch_template_version", "$Latest");
  for (const auto& o : a.value("overrides", json::array())) {
    FleetOverride fo{o.value("instance_type", ""), o.value("subnet_id", ""), o.value("max_price", ""), std::nullopt};
    if (o.contains("priority")) fo.priority = o["priority"].get<double>();
    r.overrides.push_back(fo);
  }
  r.total_target_capacity = a["total_target_capacity"];
  r.default_target_capacity_type = a.value("default_target_capacity_type", "on-demand");
  r.allocation_strategy = a.value("allocation_strategy", "");
  r.single_instance_type = a.value("single_instance_type", false);
  r.single_availability_zone = a.value("single_availability_zone", false);
  if (a.contains("min_target_capacity")) r.min_target_capacity = a["min_target_capacity"].get<int>();
  r.use_capacity_reservations_first = a.value("use_capacity_reservations_first", true);
  r.client_token = a.value("client_token", "");
  const json tags = a.value("instance_tags", json::object());
  for (auto it = tags.begin(); it != tags.end(); ++it) r.instance_tags[it.key()] = it.value().get<std::string>();
  return r;
}

const char* kEmptyFleetReply =
    "<CreateFleetResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
    "<fleetId>fleet-1</fleetId><errorSet/><fleetInstanceSet/></CreateFleetResponse>";

TEST(Ec2CreateFleet, BodyBytesAndSignatureEqualBotocores) {
  const std::string cases_path = testing::source_dir() + "/tests/data/aws/create_fleet_cases.json";
  auto out = testing::run_command("python3 '" + testing::source_dir() + "/tests/unit/aws/botocore_create_fleet.py' '" +
                                  cases_path + "'");
  if (out.exit_code == testing::kNoBotocore || out.exit_code == 127)
    GTEST_SKIP() << "python3 with botocore is not available; CreateFleet cross-check skipped";
  ASSERT_EQ(out.exit_code, 0);
  json expected = json::parse(out.out);
  json cases = json::parse(testing::read_file(cases_path));
  ASSERT_EQ(expected.size(), cases.size());
  ASSERT_GE(cases.size(), 4u);
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i]["name"].get<std::string>());
    auto state = std::make_shared<testing::FakeHttpState>();
    state->replies.push_back(testing::reply(200, kEmptyFleetReply));
    ClientConfig config;
    config.endpoint = "http://127.0.0.1:4566";
    config.region = "us-east-1";
    config.credentials = {"AKID", "secret", ""};
    AwsClientHooks hooks;
    hooks.now = [] { return kFixedNow; };
    Ec2Client ec2(config, std::make_unique<testing::FakeHttpClient>(state), hooks);
    auto result = ec2.create_fleet(request_of(cases[i]["args"]));
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(result->fleet_id, "fleet-1");
    ASSERT_EQ(state->requests.size(), 1u);
    const HttpRequest& sent = state->requests[0];
    EXPECT_EQ(sent.body, expected[i]["body"].get<std::string>());
    EXPECT_EQ(testing::header_value(sent, "Authorization"), expected[i]["authorization"].get<std::string>());
    EXPECT_EQ(encode_create_fleet(request_of(cases[i]["args"])), sent.body);
  }
}

TEST(Ec2CreateFleet, ParsesInstancesAndErrorsWithTheirOverrides) {
  const std::string xml =
      "<CreateFleetResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
      "<requestId>b1</requestId><fleetId>fleet-0abc</fleetId>"
      "<errorSet><item>"
      "<launchTemplateAndOverrides><launchTemplateSpecification><launchTemplateName>demo-q-cr</launchTemplateName>"
      "<version>$Latest</version></launchTemplateSpecification>"
      "<overrides><instanceType>c5.xlarge</instanceType><subnetId>subnet-1</subnetId><maxPrice>0.5</maxPrice></overrides>"
      "</launchTemplateAndOverrides><lifecycle>spot</lifecycle>"
      "<errorCode>InsufficientInstanceCapacity</errorCode><errorMessage>We currently do not have sufficient c5.xlarge "
      "capacity</errorMessage></item></errorSet>"
      "<fleetInstanceSet><item>"
      "<launchTemplateAndOverrides><launchTemplateSpecification><launchTemplateName>demo-q-cr</launchTemplateName>"
      "<version>$Latest</version></launchTemplateSpecification>"
      "<overrides><instanceType>m5.xlarge</instanceType><subnetId>subnet-1</subnetId><priority>1.0</priority></overrides>"
      "</launchTemplateAndOverrides><lifecycle>spot</lifecycle>"
      "<instanceIds><item>i-1</item><item>i-2</item></instanceIds><instanceType>m5.xlarge</instanceType>"
      "</item></fleetInstanceSet></CreateFleetResponse>";
  auto r = parse_create_fleet(xml);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->fleet_id, "fleet-0abc");
  ASSERT_EQ(r->instances.size(), 1u);
  EXPECT_EQ(r->instances[0].instance_ids, (std::vector<std::string>{"i-1", "i-2"}));
  EXPECT_EQ(r->instances[0].instance_type, "m5.xlarge");
  EXPECT_EQ(r->instances[0].lifecycle, "spot");
  EXPECT_EQ(r->instances[0].launch_target.overrides.subnet_id, "subnet-1");
  EXPECT_EQ(r->instances[0].launch_target.overrides.priority, 1.0);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "InsufficientInstanceCapacity");
  EXPECT_NE(r->errors[0].message.find("sufficient c5.xlarge"), std::string::npos);
  EXPECT_EQ(r->errors[0].launch_target.launch_template_name, "demo-q-cr");
  EXPECT_EQ(r->errors[0].launch_target.version, "$Latest");
  EXPECT_EQ(r->errors[0].launch_target.overrides,
            (FleetOverride{"c5.xlarge", "subnet-1", "0.5", std::nullopt}));
  EXPECT_EQ(r->instance_ids(), (std::vector<std::string>{"i-1", "i-2"}));
}

TEST(Ec2CreateFleet, EmptyAndBrokenReplies) {
  auto empty = parse_create_fleet(kEmptyFleetReply);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->instances.empty());
  EXPECT_TRUE(empty->errors.empty());
  EXPECT_EQ(parse_create_fleet("<RunInstancesResponse/>").error().code, "MalformedResponse");
  EXPECT_EQ(parse_create_fleet("<CreateFleetResponse><fleetInstanceSet><item><instanceIds><item></item>"
                               "</instanceIds></item></fleetInstanceSet></CreateFleetResponse>")
                .error()
                .code,
            "MalformedResponse");
}

TEST(Ec2CreateFleet, RequestLevelErrorIsAnError) {
  auto state = std::make_shared<testing::FakeHttpState>();
  state->replies.push_back(testing::reply(
      400, "<Response><Errors><Error><Code>InvalidFleetConfiguration</Code><Message>bad</Message></Error></Errors>"
           "<RequestID>x</RequestID></Response>"));
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:4566";
  config.credentials = {"AKID", "secret", ""};
  Ec2Client ec2(config, std::make_unique<testing::FakeHttpClient>(state));
  CreateFleetRequest req;
  req.launch_template_name = "demo-q-cr";
  req.overrides = {{"c5.xlarge", "", "", std::nullopt}};
  auto r = ec2.create_fleet(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidFleetConfiguration");
  EXPECT_EQ(r.error().kind, ErrorKind::kGiveUp);
}

TEST(Ec2CreateFleet, TheDefaultImplementationRefuses) {
  struct NoFleets : Ec2Api {
    Result<std::vector<Ec2Instance>> run_instances(const RunInstancesRequest&) override { return std::vector<Ec2Instance>{}; }
    Result<std::vector<InstanceStateChange>> terminate_instances(const std::vector<std::string>&) override {
      return std::vector<InstanceStateChange>{};
    }
    Result<std::vector<Ec2Instance>> describe_instances(const std::vector<Filter>&, const std::vector<std::string>&) override {
      return std::vector<Ec2Instance>{};
    }
    Result<std::vector<InstanceStatus>> describe_instance_status(const std::vector<Filter>&, const std::vector<std::string>&,
                                                                 bool) override {
      return std::vector<InstanceStatus>{};
    }
    Status create_tags(const std::vector<std::string>&, const Tags&) override { return {}; }
    Status create_launch_template(const LaunchTemplateRequest&) override { return {}; }
    Status delete_launch_template(const std::string&) override { return {}; }
  } api;
  auto r = api.create_fleet({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnsupportedOperation");
}

}  // namespace
}  // namespace ebbflow::aws
