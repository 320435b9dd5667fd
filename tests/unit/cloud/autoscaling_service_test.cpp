// AutoScalingService over a real LocalCloud (real instance processes) in virtual time: the API's
// validation, reconciliation (scale up/down, replacement of a killed member), termination with
// and without decrement, notifications in order, persistence, ForceDelete.
#include "cloud/autoscaling_service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "aws/autoscaling.h"
#include "cloud/base64.h"
#include "cloud/instance_process.h"
#include "test_dir.h"

namespace ebbflow::cloud {
namespace {

using Params = std::map<std::string, std::string>;

struct Sent {
  std::string topic, subject;
  nlohmann::json message;
};

struct Member {
  std::string id, state;
};

class AutoScalingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CloudOptions o;
    o.state_dir = dir_.path();
    o.imds_base_url = "http://127.0.0.1:1/imds/";
    o.kill_grace_s = 0;
    auto c = LocalCloud::open(o, now_);
    ASSERT_TRUE(c.ok()) << c.error().describe();
    cloud_ = std::move(*c);
    auto r = cloud_->handle(QueryParams({{"Action", "CreateLaunchTemplate"},
                                         {"LaunchTemplateName", "lt"},
                                         {"LaunchTemplateData.InstanceType", "t3.small"},
                                         {"LaunchTemplateData.UserData", base64_encode("exec sleep 60\n")}}),
                            now_, "r");
    ASSERT_EQ(r.http_status, 200) << r.body;
    open_service();
  }
  void open_service() {
    asg_.reset();
    AutoScalingOptions a;
    a.state_dir = dir_.path();
    a.launch_retry_s = 10;
    auto s = AutoScalingService::open(a, cloud_.get(), [this](const std::string& topic, const std::string& subject,
                                                              const std::string& message, int64_t) {
      sent_.push_back({topic, subject, nlohmann::json::parse(message)});
    });
    ASSERT_TRUE(s.ok()) << s.error().describe();
    asg_ = std::move(*s);
  }
  void TearDown() override {
    if (!cloud_) return;
    auto state = cloud_->state_json();
    for (auto& i : state["instances"]) {
      if (i["state"] != "terminated") signal_group(i["pgid"].get<int>(), SIGKILL);
    }
    for (int k = 0; k < 50; ++k) cloud_->tick(now_ + 10000);
  }

  AsgReply call(Params p) {
    return asg_->handle(QueryParams(std::move(p)), now_, "rid-1");
  }
  AsgReply create(const std::string& name, int min, int max, std::optional<int> desired) {
    Params p = {{"Action", "CreateAutoScalingGroup"}, {"AutoScalingGroupName", name},
                {"LaunchTemplate.LaunchTemplateName", "lt"}, {"LaunchTemplate.Version", "$Latest"},
                {"MinSize", std::to_string(min)}, {"MaxSize", std::to_string(max)},
                {"Tags.member.1.Key", "ebbflow:node-type"}, {"Tags.member.1.Value", "Compute"},
                {"Tags.member.1.PropagateAtLaunch", "true"}, {"Tags.member.2.Key", "group-only"},
                {"Tags.member.2.Value", "x"}, {"Tags.member.2.PropagateAtLaunch", "false"}};
    if (desired) p["DesiredCapacity"] = std::to_string(*desired);
    return call(p);
  }
  AsgReply set_desired(const std::string& name, int n) {
    return call({{"Action", "SetDesiredCapacity"}, {"AutoScalingGroupName", name},
                 {"DesiredCapacity", std::to_string(n)}});
  }
  AsgReply terminate(const std::string& id, bool decrement) {
    return call({{"Action", "TerminateInstanceInAutoScalingGroup"}, {"InstanceId", id},
                 {"ShouldDecrementDesiredCapacity", decrement ? "true" : "false"}});
  }
  // Members of `name` as DescribeAutoScalingGroups shows them, and its desired capacity.
  std::vector<Member> members(const std::string& name, int* desired = nullptr) {
    auto r = call({{"Action", "DescribeAutoScalingGroups"}, {"AutoScalingGroupNames.member.1", name}});
    EXPECT_EQ(r.http_status, 200) << r.body;
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    auto g = doc.child("DescribeAutoScalingGroupsResponse").child("DescribeAutoScalingGroupsResult")
                 .child("AutoScalingGroups").child("member");
    if (desired) *desired = g ? std::stoi(g.child_value("DesiredCapacity")) : -1;
    std::vector<Member> out;
    for (auto m : g.child("Instances").children("member")) {
      out.push_back({m.child_value("InstanceId"), m.child_value("LifecycleState")});
    }
    return out;
  }
  std::string ec2_state(const std::string& id) {
    auto s = cloud_->instance_states({id});
    return s.count(id) ? s[id] : "gone";
  }
  void tick() {
    cloud_->tick(now_);
    asg_->tick(now_);
  }
  // Ticks (with real pauses: processes take a moment to die) until `pred` holds.
  bool tick_until(const std::function<bool()>& pred) {
    for (int k = 0; k < 200; ++k) {
      tick();
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  static std::string error_code(const AsgReply& r) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return doc.child("ErrorResponse").child("Error").child_value("Code");
  }
  static std::string error_message(const AsgReply& r) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return doc.child("ErrorResponse").child("Error").child_value("Message");
  }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& s : sent_) out.push_back(s.message["Event"].get<std::string>() + " " +
                                              s.message.value("EC2InstanceId", ""));
    return out;
  }

  testing::TempDir dir_;
  int64_t now_ = 1'700'000'000;
  std::unique_ptr<LocalCloud> cloud_;
  std::unique_ptr<AutoScalingService> asg_;
  std::vector<Sent> sent_;
};

TEST_F(AutoScalingTest, ScalesUpWithPropagatedTagsThenGoesInService) {
  ASSERT_EQ(create("g", 0, 4, 2).http_status, 200);
  EXPECT_TRUE(members("g").empty());  // nothing happens before the reconciler runs
  tick();
  auto m = members("g");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].state, "Pending");
  for (const auto& x : m) {
    auto inst = cloud_->live_instance(x.id);
    ASSERT_TRUE(inst.has_value());
    EXPECT_EQ(inst->instance_type, "t3.small");
    EXPECT_EQ(inst->tags.at("aws:autoscaling:groupName"), "g");
    EXPECT_EQ(inst->tags.at("ebbflow:node-type"), "Compute");
    EXPECT_EQ(inst->tags.count("group-only"), 0u);
  }
  tick();
  for (const auto& x : members("g")) EXPECT_EQ(x.state, "InService");
  tick();
  EXPECT_EQ(members("g").size(), 2u);  // steady: no further launches
}

TEST_F(AutoScalingTest, DesiredDefaultsToMinAndMustStayInBounds) {
  ASSERT_EQ(create("g", 1, 3, std::nullopt).http_status, 200);
  int desired = 0;
  members("g", &desired);
  EXPECT_EQ(desired, 1);
  auto above = set_desired("g", 4);
  EXPECT_EQ(error_code(above), "ValidationError");
  EXPECT_EQ(error_message(above), "New SetDesiredCapacity value 4 is above max value 3 for the AutoScalingGroup.");
  auto below = set_desired("g", 0);
  EXPECT_EQ(error_message(below), "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.");
  auto bad = create("h", 1, 3, 5);
  EXPECT_EQ(error_code(bad), "ValidationError");
  EXPECT_EQ(error_message(bad), "Desired capacity:5 must be between the specified min size:1 and max size:3");
  EXPECT_EQ(error_message(create("h", 3, 1, std::nullopt)),
            "Max bound, 1, must be greater than or equal to min bound, 3");
  EXPECT_EQ(error_code(create("g", 0, 1, 0)), "AlreadyExists");
  auto missing = set_desired("nope", 1);
  EXPECT_EQ(error_code(missing), "ValidationError");
  EXPECT_NE(error_message(missing).find("AutoScalingGroup name not found"), std::string::npos);
  auto no_lt = call({{"Action", "CreateAutoScalingGroup"}, {"AutoScalingGroupName", "x"}, {"MinSize", "0"},
                     {"MaxSize", "1"}, {"LaunchTemplate.LaunchTemplateName", "missing"}});
  EXPECT_NE(error_message(no_lt).find("with template name missing, does not exist"), std::string::npos);
}

TEST_F(AutoScalingTest, UpdateClampsDesiredIntoNewBounds) {
  ASSERT_EQ(create("g", 0, 5, 4).http_status, 200);
  ASSERT_EQ(call({{"Action", "UpdateAutoScalingGroup"}, {"AutoScalingGroupName", "g"}, {"MaxSize", "2"}}).http_status,
            200);
  int desired = 0;
  members("g", &desired);
  EXPECT_EQ(desired, 2);
  auto bad = call({{"Action", "UpdateAutoScalingGroup"}, {"AutoScalingGroupName", "g"}, {"DesiredCapacity", "3"}});
  EXPECT_EQ(error_message(bad), "Desired capacity:3 must be between the specified min size:0 and max size:2");
}

TEST_F(AutoScalingTest, ScaleDownTerminatesTheNewestFirst) {
  ASSERT_EQ(create("g", 0, 4, 1).http_status, 200);
  tick();
  auto first = members("g");
  ASSERT_EQ(first.size(), 1u);
  now_ += 60;
  ASSERT_EQ(set_desired("g", 3).http_status, 200);
  tick();
  auto three = members("g");
  ASSERT_EQ(three.size(), 3u);
  now_ += 60;
  ASSERT_EQ(set_desired("g", 1).http_status, 200);
  tick();
  auto after = members("g");
  ASSERT_EQ(after.size(), 3u);
  int terminating = 0;
  for (const auto& m : after) {
    if (m.id == first[0].id) {
      EXPECT_NE(m.state, "Terminating");
    } else {
      EXPECT_EQ(m.state, "Terminating");
      EXPECT_NE(ec2_state(m.id), "running");
      ++terminating;
    }
  }
  EXPECT_EQ(terminating, 2);
  ASSERT_TRUE(tick_until([&] { return members("g").size() == 1; }));
  EXPECT_EQ(members("g")[0].id, first[0].id);
  EXPECT_EQ(ec2_state(first[0].id), "running");
}

TEST_F(AutoScalingTest, AKilledMemberIsReplaced) {
  ASSERT_EQ(call({{"Action", "CreateAutoScalingGroup"}, {"AutoScalingGroupName", "g"},
                  {"LaunchTemplate.LaunchTemplateName", "lt"}, {"MinSize", "1"}, {"MaxSize", "3"},
                  {"DesiredCapacity", "2"}}).http_status, 200);
  tick();
  auto before = members("g");
  ASSERT_EQ(before.size(), 2u);
  ASSERT_TRUE(cloud_->kill_instance(before[0].id, now_).ok());
  now_ += 1;
  tick();
  auto after = members("g", nullptr);
  int desired = 0;
  members("g", &desired);
  EXPECT_EQ(desired, 2);
  ASSERT_EQ(after.size(), 2u);
  std::set<std::string> ids;
  for (const auto& m : after) ids.insert(m.id);
  EXPECT_EQ(ids.count(before[0].id), 0u);
  EXPECT_EQ(ids.count(before[1].id), 1u);
  for (const auto& m : after) EXPECT_EQ(ec2_state(m.id), "running");
}

TEST_F(AutoScalingTest, TerminateWithDecrementNeverGoesBelowMin) {
  ASSERT_EQ(create("g", 1, 3, 2).http_status, 200);
  tick();
  auto m = members("g");
  ASSERT_EQ(m.size(), 2u);
  auto r = terminate(m[0].id, true);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find("<Description>Terminating EC2 instance: " + m[0].id + "</Description>"), std::string::npos);
  EXPECT_NE(r.body.find("shrinking the capacity from 2 to 1."), std::string::npos);
  int desired = 0;
  members("g", &desired);
  EXPECT_EQ(desired, 1);
  EXPECT_NE(ec2_state(m[0].id), "running");
  // The last one: desired would go below MinSize.
  auto refused = terminate(m[1].id, true);
  EXPECT_EQ(refused.http_status, 400);
  EXPECT_EQ(error_code(refused), "ValidationError");
  EXPECT_EQ(error_message(refused),
            "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate "
            "group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's "
            "min size constraint.");
  EXPECT_EQ(ec2_state(m[1].id), "running");
  ASSERT_TRUE(tick_until([&] { return members("g").size() == 1; }));
  EXPECT_EQ(members("g")[0].id, m[1].id);  // not replaced: desired went down with it

  // Without decrement the group replaces it.
  ASSERT_EQ(terminate(m[1].id, false).http_status, 200);
  ASSERT_TRUE(tick_until([&] {
    auto now = members("g");
    return now.size() == 1 && now[0].id != m[1].id;
  }));
  members("g", &desired);
  EXPECT_EQ(desired, 1);
  EXPECT_EQ(error_code(terminate("i-00000000000000000", true)), "ValidationError");
}

TEST_F(AutoScalingTest, NotificationsInOrderWithAwsShape) {
  ASSERT_EQ(create("g", 0, 3, 0).http_status, 200);
  const std::string topic = "arn:aws:sns:us-east-1:000000000000:c-events";
  ASSERT_EQ(call({{"Action", "PutNotificationConfiguration"}, {"AutoScalingGroupName", "g"}, {"TopicARN", topic},
                  {"NotificationTypes.member.1", "autoscaling:EC2_INSTANCE_LAUNCH"},
                  {"NotificationTypes.member.2", "autoscaling:EC2_INSTANCE_TERMINATE"}}).http_status,
            200);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].message["Event"], "autoscaling:TEST_NOTIFICATION");
  ASSERT_EQ(set_desired("g", 2).http_status, 200);
  tick();
  auto m = members("g");
  ASSERT_EQ(m.size(), 2u);
  ASSERT_EQ(terminate(m[1].id, true).http_status, 200);
  ASSERT_TRUE(cloud_->kill_instance(m[0].id, now_).ok());
  now_ += 1;
  tick();  // m[0] died: terminate notification, then a launch of its replacement
  auto now = members("g");
  std::string replacement;
  for (const auto& x : now) {
    if (x.id != m[0].id && x.id != m[1].id) replacement = x.id;
  }
  ASSERT_FALSE(replacement.empty());
  std::vector<std::string> want = {"autoscaling:TEST_NOTIFICATION ",
                                   "autoscaling:EC2_INSTANCE_LAUNCH " + m[0].id,
                                   "autoscaling:EC2_INSTANCE_LAUNCH " + m[1].id,
                                   "autoscaling:EC2_INSTANCE_TERMINATE " + m[1].id,
                                   "autoscaling:EC2_INSTANCE_TERMINATE " + m[0].id,
                                   "autoscaling:EC2_INSTANCE_LAUNCH " + replacement};
  EXPECT_EQ(events(), want);
  const auto& t = sent_[3];
  EXPECT_EQ(t.topic, topic);
  EXPECT_EQ(t.subject, "Auto Scaling: termination for group \"g\"");
  EXPECT_EQ(t.message["Description"], "Terminating EC2 instance: " + m[1].id);
  EXPECT_EQ(t.message["AutoScalingGroupName"], "g");
  EXPECT_EQ(t.message["Origin"], "AutoScalingGroup");
  EXPECT_EQ(t.message["Destination"], "EC2");
  EXPECT_EQ(t.message["Details"]["Availability Zone"], "us-east-1a");
  EXPECT_EQ(t.message["AccountId"], "000000000000");
  EXPECT_EQ(t.message["StatusCode"], "InProgress");
  EXPECT_EQ(t.message["Time"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(sent_[1].message["Origin"], "EC2");
  EXPECT_EQ(sent_[1].subject, "Auto Scaling: launch for group \"g\"");

  auto d = call({{"Action", "DescribeNotificationConfigurations"}, {"AutoScalingGroupNames.member.1", "g"}});
  EXPECT_NE(d.body.find("<NotificationType>autoscaling:EC2_INSTANCE_TERMINATE</NotificationType>"), std::string::npos);
  EXPECT_NE(d.body.find("<TopicARN>" + topic + "</TopicARN>"), std::string::npos);
}

TEST_F(AutoScalingTest, GroupsSurviveARestart) {
  ASSERT_EQ(create("g", 0, 3, 2).http_status, 200);
  ASSERT_EQ(call({{"Action", "PutNotificationConfiguration"}, {"AutoScalingGroupName", "g"},
                  {"TopicARN", "arn:aws:sns:us-east-1:000000000000:t"},
                  {"NotificationTypes.member.1", "autoscaling:EC2_INSTANCE_TERMINATE"}}).http_status,
            200);
  tick();
  auto before = members("g");
  ASSERT_EQ(before.size(), 2u);
  open_service();
  auto after = members("g");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[1].id, before[1].id);
  tick();
  EXPECT_EQ(members("g").size(), 2u);  // no relaunch after a restart
  auto d = call({{"Action", "DescribeNotificationConfigurations"}});
  EXPECT_NE(d.body.find("<TopicARN>arn:aws:sns:us-east-1:000000000000:t</TopicARN>"), std::string::npos);
}

TEST_F(AutoScalingTest, DeleteNeedsForceWhileMembersRemain) {
  ASSERT_EQ(create("g", 1, 3, 2).http_status, 200);
  tick();
  auto m = members("g");
  ASSERT_EQ(m.size(), 2u);
  auto refused = call({{"Action", "DeleteAutoScalingGroup"}, {"AutoScalingGroupName", "g"}});
  EXPECT_EQ(error_code(refused), "ResourceInUse");
  ASSERT_EQ(call({{"Action", "DeleteAutoScalingGroup"}, {"AutoScalingGroupName", "g"}, {"ForceDelete", "true"}})
                .http_status,
            200);
  auto r = call({{"Action", "DescribeAutoScalingGroups"}});
  EXPECT_NE(r.body.find("<Status>Delete in progress</Status>"), std::string::npos);
  ASSERT_TRUE(tick_until([&] {
    return call({{"Action", "DescribeAutoScalingGroups"}}).body.find("<member>") == std::string::npos;
  }));
  EXPECT_EQ(ec2_state(m[0].id), "terminated");
  EXPECT_EQ(ec2_state(m[1].id), "terminated");
  ASSERT_EQ(create("g", 0, 1, 0).http_status, 200);  // the name is free again
}

TEST_F(AutoScalingTest, DescribePaginates) {
  for (const char* n : {"a", "b", "c"}) ASSERT_EQ(create(n, 0, 1, 0).http_status, 200);
  auto first = call({{"Action", "DescribeAutoScalingGroups"}, {"MaxRecords", "2"}});
  EXPECT_NE(first.body.find("<AutoScalingGroupName>b</AutoScalingGroupName>"), std::string::npos);
  EXPECT_EQ(first.body.find("<AutoScalingGroupName>c</AutoScalingGroupName>"), std::string::npos);
  EXPECT_NE(first.body.find("<NextToken>b</NextToken>"), std::string::npos);
  auto second = call({{"Action", "DescribeAutoScalingGroups"}, {"MaxRecords", "2"}, {"NextToken", "b"}});
  EXPECT_NE(second.body.find("<AutoScalingGroupName>c</AutoScalingGroupName>"), std::string::npos);
  EXPECT_EQ(second.body.find("<NextToken>"), std::string::npos);
  EXPECT_EQ(error_code(call({{"Action", "DescribeAutoScalingGroups"}, {"MaxRecords", "101"}})), "ValidationError");
}

TEST_F(AutoScalingTest, AFailedLaunchIsRetriedLater) {
  ASSERT_TRUE(cloud_->add_fault({{"kind", "fail-launch"}, {"code", "InsufficientInstanceCapacity"},
                                 {"message", "no capacity"}, {"count", 1}}).ok());
  ASSERT_EQ(create("g", 0, 2, 1).http_status, 200);
  tick();
  EXPECT_TRUE(members("g").empty());
  now_ += 5;
  tick();
  EXPECT_TRUE(members("g").empty());  // still backing off
  now_ += 5;
  tick();
  EXPECT_EQ(members("g").size(), 1u);
}

TEST_F(AutoScalingTest, RepliesParseWithEbbflowsClientParsers) {
  ASSERT_EQ(create("g", 1, 3, 2).http_status, 200);
  tick();
  tick();
  std::string token = "unset";
  auto groups = aws::parse_describe_auto_scaling_groups(call({{"Action", "DescribeAutoScalingGroups"}}).body, &token);
  ASSERT_TRUE(groups.ok()) << groups.error().describe();
  ASSERT_EQ(groups->size(), 1u);
  const aws::AutoScalingGroup& g = (*groups)[0];
  EXPECT_EQ(g.name, "g");
  EXPECT_EQ(g.min_size, 1);
  EXPECT_EQ(g.max_size, 3);
  EXPECT_EQ(g.desired_capacity, 2);
  EXPECT_EQ(g.launch_template_name, "lt");
  EXPECT_EQ(g.created_time, now_);
  EXPECT_EQ(g.tags.at("ebbflow:node-type"), "Compute");
  ASSERT_EQ(g.instances.size(), 2u);
  EXPECT_EQ(g.instances[0].lifecycle_state, "InService");
  EXPECT_EQ(g.instances[0].instance_type, "t3.small");
  EXPECT_EQ(token, "");
  auto done = aws::parse_terminate_instance_in_asg(terminate(g.instances[0].instance_id, true).body);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_EQ(done->description, "Terminating EC2 instance: " + g.instances[0].instance_id);
  auto refused = terminate(g.instances[1].instance_id, true);
  Error e = aws::parse_autoscaling_error(refused.http_status, refused.body);
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.code, "ValidationError");
  auto missing = set_desired("nope", 1);
  EXPECT_EQ(aws::parse_autoscaling_error(missing.http_status, missing.body).kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace ebbflow::cloud
