// The Auto Scaling XML renderer: envelope, error document, a group's fields, escaping, and the
// model's JSON round trip (what the store keeps).
#include "cloud/autoscaling_xml.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

namespace ebbflow::cloud {
namespace {

AsgGroup sample() {
  AsgGroup g;
  g.name = "c-compute";
  g.arn = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:x:autoScalingGroupName/c-compute";
  g.launch_template_name = "c-compute";
  g.launch_template_id = "lt-0123";
  g.min_size = 1;
  g.max_size = 4;
  g.desired_capacity = 2;
  g.created_time = 1'700'000'000;
  g.tags["ebbflow:cluster-name"] = {"c", true};
  g.tags["note"] = {"a<b&c", false};
  g.members.push_back({"i-1", "t3.micro", kAsgInService, 1'700'000'000, 1});
  g.members.push_back({"i-2", "t3.micro", kAsgPending, 1'700'000'060, 2});
  g.notifications["arn:aws:sns:us-east-1:000000000000:c-events"] = {kAsgLaunch, kAsgTerminate};
  return g;
}

TEST(AutoScalingXml, ResponseEnvelopeWithAndWithoutResult) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_asg_response("SetDesiredCapacity", "rid").c_str()));
  auto root = doc.child("SetDesiredCapacityResponse");
  EXPECT_STREQ(root.attribute("xmlns").value(), kAsgNamespace);
  EXPECT_FALSE(root.child("SetDesiredCapacityResult"));
  EXPECT_STREQ(root.child("ResponseMetadata").child_value("RequestId"), "rid");
  ASSERT_TRUE(doc.load_string(render_asg_response("DescribeAutoScalingGroups", "r2", "<AutoScalingGroups/>").c_str()));
  EXPECT_TRUE(doc.child("DescribeAutoScalingGroupsResponse").child("DescribeAutoScalingGroupsResult")
                  .child("AutoScalingGroups"));
}

TEST(AutoScalingXml, ErrorDocument) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_asg_error("ValidationError", "x < y", "rid").c_str()));
  auto e = doc.child("ErrorResponse").child("Error");
  EXPECT_STREQ(e.child_value("Type"), "Sender");
  EXPECT_STREQ(e.child_value("Code"), "ValidationError");
  EXPECT_STREQ(e.child_value("Message"), "x < y");
  EXPECT_STREQ(doc.child("ErrorResponse").child_value("RequestId"), "rid");
  ASSERT_TRUE(doc.load_string(render_asg_error("InternalFailure", "boom", "rid", false).c_str()));
  EXPECT_STREQ(doc.child("ErrorResponse").child("Error").child_value("Type"), "Receiver");
}

TEST(AutoScalingXml, GroupFields) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_asg_group(sample(), "eu-west-1").c_str()));
  auto g = doc.child("member");
  EXPECT_STREQ(g.child_value("AutoScalingGroupName"), "c-compute");
  EXPECT_STREQ(g.child_value("MinSize"), "1");
  EXPECT_STREQ(g.child_value("MaxSize"), "4");
  EXPECT_STREQ(g.child_value("DesiredCapacity"), "2");
  EXPECT_STREQ(g.child_value("CreatedTime"), "2023-11-14T22:13:20.000Z");
  EXPECT_STREQ(g.child("LaunchTemplate").child_value("LaunchTemplateName"), "c-compute");
  EXPECT_STREQ(g.child("AvailabilityZones").child_value("member"), "eu-west-1a");
  EXPECT_STREQ(g.child_value("HealthCheckType"), "EC2");
  EXPECT_FALSE(g.child("Status"));
  std::vector<std::string> states;
  for (auto i : g.child("Instances").children("member")) {
    states.push_back(std::string(i.child_value("InstanceId")) + "=" + i.child_value("LifecycleState"));
    EXPECT_STREQ(i.child_value("AvailabilityZone"), "eu-west-1a");
    EXPECT_STREQ(i.child_value("ProtectedFromScaleIn"), "false");
  }
  EXPECT_EQ(states, (std::vector<std::string>{"i-1=InService", "i-2=Pending"}));
  std::map<std::string, std::string> tags;
  for (auto t : g.child("Tags").children("member")) {
    tags[t.child_value("Key")] = std::string(t.child_value("Value")) + "/" + t.child_value("PropagateAtLaunch");
    EXPECT_STREQ(t.child_value("ResourceId"), "c-compute");
  }
  EXPECT_EQ(tags["ebbflow:cluster-name"], "c/true");
  EXPECT_EQ(tags["note"], "a<b&c/false");  // escaped in the text, intact after parsing
  AsgGroup deleting = sample();
  deleting.deleting = true;
  ASSERT_TRUE(doc.load_string(render_asg_group(deleting, "us-east-1").c_str()));
  EXPECT_STREQ(doc.child("member").child_value("Status"), "Delete in progress");
}

TEST(AutoScalingXml, NotificationConfigurationsAndToken) {
  pugi::xml_document doc;
  std::string body = render_notification_configurations({{"g", "arn:t", kAsgLaunch}}, "1");
  ASSERT_TRUE(doc.load_string(("<r>" + body + "</r>").c_str()));
  auto m = doc.child("r").child("NotificationConfigurations").child("member");
  EXPECT_STREQ(m.child_value("AutoScalingGroupName"), "g");
  EXPECT_STREQ(m.child_value("TopicARN"), "arn:t");
  EXPECT_STREQ(m.child_value("NotificationType"), kAsgLaunch);
  EXPECT_STREQ(doc.child("r").child_value("NextToken"), "1");
}

TEST(AutoScalingModel, JsonRoundTrip) {
  AsgGroup g = sample();
  g.deleting = true;
  g.next_sequence = 7;
  auto back = group_from_json(to_json(g));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(to_json(*back), to_json(g));
  EXPECT_EQ(back->members[1].lifecycle_state, kAsgPending);
  EXPECT_EQ(back->notifications.begin()->second.count(kAsgTerminate), 1u);
  EXPECT_FALSE(group_from_json(nlohmann::json::object()).ok());
}

}  // namespace
}  // namespace ebbflow::cloud
