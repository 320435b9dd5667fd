// Auto Scaling reply parsers and the client's behaviour over a scripted HTTP fake: group fields,
// pagination by NextToken, the terminate activity, and the error table of autoscaling.h.
#include <gtest/gtest.h>

#include "aws/autoscaling.h"
#include "aws/query_form.h"
#include "fake_http.h"

namespace ebbflow::aws {
namespace {

// The shape AWS answers (trimmed of members ebbflow does not read, plus one it does not know).
std::string describe_reply(const std::string& groups, const std::string& token = "") {
  return "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
         "<DescribeAutoScalingGroupsResult><AutoScalingGroups>" + groups + "</AutoScalingGroups>" +
         (token.empty() ? "" : "<NextToken>" + token + "</NextToken>") +
         "</DescribeAutoScalingGroupsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
         "</DescribeAutoScalingGroupsResponse>";
}

std::string group_xml(const std::string& name, int desired = 2) {
  return "<member><AutoScalingGroupName>" + name + "</AutoScalingGroupName>"
         "<AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:1:autoScalingGroup:u:autoScalingGroupName/" + name +
         "</AutoScalingGroupARN><LaunchTemplate><LaunchTemplateId>lt-1</LaunchTemplateId>"
         "<LaunchTemplateName>" + name + "-lt</LaunchTemplateName><Version>$Latest</Version></LaunchTemplate>"
         "<MinSize>1</MinSize><MaxSize>10</MaxSize><DesiredCapacity>" + std::to_string(desired) +
         "</DesiredCapacity><DefaultCooldown>300</DefaultCooldown><FutureField>x</FutureField>"
         "<Instances><member><InstanceId>i-0a</InstanceId><InstanceType>c5.large</InstanceType>"
         "<AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>InService</LifecycleState>"
         "<HealthStatus>Healthy</HealthStatus><LaunchTemplate><LaunchTemplateName>" + name +
         "-lt</LaunchTemplateName></LaunchTemplate><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>"
         "<member><InstanceId>i-0b</InstanceId><InstanceType>c5.large</InstanceType>"
         "<LifecycleState>Terminating</LifecycleState><HealthStatus>Unhealthy</HealthStatus></member></Instances>"
         "<CreatedTime>2024-05-01T12:00:00.123Z</CreatedTime>"
         "<Tags><member><ResourceId>" + name + "</ResourceId><ResourceType>auto-scaling-group</ResourceType>"
         "<Key>ebbflow:node-type</Key><Value>Compute</Value><PropagateAtLaunch>true</PropagateAtLaunch></member>"
         "</Tags></member>";
}

std::unique_ptr<AutoScalingClient> client(std::shared_ptr<testing::FakeHttpState> state) {
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:4566";
  config.credentials = {"AKID", "secret", ""};
  config.max_attempts = 1;
  AwsClientHooks hooks;
  hooks.sleep = [](std::chrono::milliseconds) {};
  return std::make_unique<AutoScalingClient>(config, std::make_unique<testing::FakeHttpClient>(state), hooks);
}

TEST(AutoScalingParse, DescribeGroupFields) {
  std::string token;
  auto groups = parse_describe_auto_scaling_groups(describe_reply(group_xml("c-compute"), "tok"), &token);
  ASSERT_TRUE(groups.ok()) << groups.error().describe();
  ASSERT_EQ(groups->size(), 1u);
  const AutoScalingGroup& g = (*groups)[0];
  EXPECT_EQ(g.name, "c-compute");
  EXPECT_EQ(g.arn, "arn:aws:autoscaling:us-east-1:1:autoScalingGroup:u:autoScalingGroupName/c-compute");
  EXPECT_EQ(g.min_size, 1);
  EXPECT_EQ(g.max_size, 10);
  EXPECT_EQ(g.desired_capacity, 2);
  EXPECT_EQ(g.launch_template_name, "c-compute-lt");
  EXPECT_EQ(g.created_time, 1714564800);
  ASSERT_EQ(g.instances.size(), 2u);
  EXPECT_EQ(g.instances[0].instance_id, "i-0a");
  EXPECT_EQ(g.instances[0].instance_type, "c5.large");
  EXPECT_EQ(g.instances[0].lifecycle_state, "InService");
  EXPECT_EQ(g.instances[0].health_status, "Healthy");
  EXPECT_EQ(g.instances[0].launch_template_name, "c-compute-lt");
  EXPECT_EQ(g.instances[1].lifecycle_state, "Terminating");
  EXPECT_EQ(g.tags.at("ebbflow:node-type"), "Compute");
  EXPECT_EQ(token, "tok");
}

TEST(AutoScalingParse, RejectsMalformedReplies) {
  std::string token;
  EXPECT_EQ(parse_describe_auto_scaling_groups("<oops", &token).error().code, "MalformedResponse");
  EXPECT_EQ(parse_describe_auto_scaling_groups("<Other/>", &token).error().kind, ErrorKind::kRetry);
  std::string bad_int = group_xml("g");
  bad_int.replace(bad_int.find("<MinSize>1"), 10, "<MinSize>x");
  EXPECT_FALSE(parse_describe_auto_scaling_groups(describe_reply(bad_int), &token).ok());
  EXPECT_FALSE(parse_terminate_instance_in_asg(
                   "<TerminateInstanceInAutoScalingGroupResponse><TerminateInstanceInAutoScalingGroupResult>"
                   "<Activity/></TerminateInstanceInAutoScalingGroupResult></TerminateInstanceInAutoScalingGroupResponse>")
                   .ok());
}

TEST(AutoScalingParse, ErrorTable) {
  auto err = [](int status, const std::string& code, const std::string& message) {
    return parse_autoscaling_error(status, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                                           "<Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message +
                                           "</Message></Error><RequestId>req-9</RequestId></ErrorResponse>");
  };
  auto below_min = err(400, "ValidationError",
                       "Currently, desiredSize equals minSize (1). Terminating instance without replacement will "
                       "violate group's min size constraint.");
  EXPECT_EQ(below_min.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(below_min.code, "ValidationError");
  EXPECT_NE(below_min.message.find("minSize (1)"), std::string::npos);
  EXPECT_NE(below_min.message.find("req-9"), std::string::npos);
  EXPECT_EQ(err(400, "ValidationError", "AutoScalingGroup name not found - null").kind, ErrorKind::kNotFound);
  EXPECT_EQ(err(400, "Throttling", "Rate exceeded").kind, ErrorKind::kBackOff);
  EXPECT_EQ(err(500, "InternalFailure", "x").kind, ErrorKind::kRetry);
  EXPECT_EQ(err(400, "ResourceContention", "x").kind, ErrorKind::kRetry);
  EXPECT_EQ(err(400, "AlreadyExists", "x").kind, ErrorKind::kGiveUp);
  auto html = parse_autoscaling_error(502, "<html>bad gateway</html>");
  EXPECT_EQ(html.code, "Http502");
  EXPECT_EQ(html.kind, ErrorKind::kRetry);
}

// Docs: reliability.md, finding 9. A code without a message still says something in the log.
TEST(AutoScalingParse, ErrorWithoutAMessageSaysSo) {
  Error e = parse_autoscaling_error(
      400, "<ErrorResponse><Error><Code>AlreadyExists</Code></Error><RequestId>req-7</RequestId></ErrorResponse>");
  EXPECT_EQ(e.code, "AlreadyExists");
  EXPECT_EQ(e.kind, ErrorKind::kGiveUp);
  EXPECT_EQ(e.message, "no message in the reply (HTTP 400) (request req-7)");
  Error blank = parse_autoscaling_error(
      503, "<ErrorResponse><Error><Code>Throttling</Code><Message>\n</Message></Error></ErrorResponse>");
  EXPECT_EQ(blank.kind, ErrorKind::kBackOff);
  EXPECT_EQ(blank.message, "no message in the reply (HTTP 503)");
}

TEST(AutoScalingClient, DescribeFollowsNextToken) {
  auto state = std::make_shared<testing::FakeHttpState>();
  state->replies.push_back(testing::reply(200, describe_reply(group_xml("a") + group_xml("b"), "b")));
  state->replies.push_back(testing::reply(200, describe_reply(group_xml("c"))));
  auto c = client(state);
  auto groups = c->describe_groups({});
  ASSERT_TRUE(groups.ok()) << groups.error().describe();
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ((*groups)[2].name, "c");
  ASSERT_EQ(state->requests.size(), 2u);
  bool has_token = false;
  for (auto& [k, v] : decode_form(state->requests[1].body)) has_token |= k == "NextToken" && v == "b";
  EXPECT_TRUE(has_token);
}

TEST(AutoScalingClient, RepeatedTokenIsAnError) {
  auto state = std::make_shared<testing::FakeHttpState>();
  state->replies.push_back(testing::reply(200, describe_reply(group_xml("a"), "t")));
  state->replies.push_back(testing::reply(200, describe_reply(group_xml("a"), "t")));
  auto groups = client(state)->describe_groups({"a"});
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(groups.error().code, "MalformedResponse");
}

TEST(AutoScalingClient, TerminateReturnsTheActivityOrTheValidationError) {
  auto state = std::make_shared<testing::FakeHttpState>();
  state->replies.push_back(testing::reply(
      200, "<TerminateInstanceInAutoScalingGroupResponse><TerminateInstanceInAutoScalingGroupResult><Activity>"
           "<ActivityId>act-1</ActivityId><Description>Terminating EC2 instance: i-1</Description></Activity>"
           "</TerminateInstanceInAutoScalingGroupResult></TerminateInstanceInAutoScalingGroupResponse>"));
  state->replies.push_back(testing::reply(
      400, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Currently, desiredSize "
           "equals minSize (1).</Message></Error><RequestId>r</RequestId></ErrorResponse>"));
  auto c = client(state);
  auto ok = c->terminate_instance_in_group("i-1", true);
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->activity_id, "act-1");
  EXPECT_EQ(ok->description, "Terminating EC2 instance: i-1");
  auto refused = c->terminate_instance_in_group("i-2", true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(state->requests.size(), 2u);  // a ValidationError is not retried
}

}  // namespace
}  // namespace ebbflow::aws
