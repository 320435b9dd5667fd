// sqswatcher's pure decisions: message parsing, batch de-duplication, retry policy.
#include "core/traditional/sqs_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ebbflow::core {
namespace {

using nlohmann::json;

std::string envelope(const json& inner) {
  return json{{"Type", "Notification"},
              {"MessageId", "m"},
              {"TopicArn", "arn:aws:sns:us-east-1:000000000000:c-events"},
              {"Message", inner.dump()},
              {"Timestamp", "2026-01-01T00:00:00Z"}}
      .dump();
}

json ready(const std::string& id, const std::string& host, const json& slots = "4") {
  return {{"StatusCode", "Complete"}, {"Event", kEventComputeReady}, {"EC2InstanceId", id},
          {"Slots", slots},          {"LocalHostname", host},      {"EC2InstanceType", "c5.xlarge"}};
}

json terminate(const std::string& id) {
  return {{"Origin", "AutoScalingGroup"}, {"Event", kEventInstanceTerminate}, {"EC2InstanceId", id},
          {"AutoScalingGroupName", "c-compute"}};
}

TEST(ParseHostMessage, ComputeReadyInEnvelope) {
  auto m = parse_host_message(envelope(ready("i-1", "ip-10-0-0-5.ec2.internal")));
  ASSERT_EQ(m.kind, MessageKind::kAdd) << m.reason;
  EXPECT_EQ(m.instance_id, "i-1");
  EXPECT_EQ(m.hostname, "ip-10-0-0-5");
  EXPECT_EQ(m.slots, 4);
  EXPECT_EQ(m.instance_type, "c5.xlarge");
}

TEST(ParseHostMessage, UnenvelopedAndNumericSlots) {
  auto m = parse_host_message(ready("i-2", "node7", 8).dump());
  ASSERT_EQ(m.kind, MessageKind::kAdd) << m.reason;
  EXPECT_EQ(m.hostname, "node7");
  EXPECT_EQ(m.slots, 8);
}

TEST(ParseHostMessage, TerminateNotification) {
  auto m = parse_host_message(envelope(terminate("i-9")));
  ASSERT_EQ(m.kind, MessageKind::kRemove);
  EXPECT_EQ(m.instance_id, "i-9");
}

TEST(ParseHostMessage, LaunchAndUnknownEventsAreIgnored) {
  json launch = terminate("i-3");
  launch["Event"] = kEventInstanceLaunch;
  EXPECT_EQ(parse_host_message(envelope(launch)).kind, MessageKind::kIgnore);
  json test = {{"Event", "autoscaling:TEST_NOTIFICATION"}};
  auto m = parse_host_message(envelope(test));
  EXPECT_EQ(m.kind, MessageKind::kIgnore);
  EXPECT_NE(m.reason.find("autoscaling:TEST_NOTIFICATION"), std::string::npos);
}

TEST(ParseHostMessage, MissingEventIsIgnored) {
  auto m = parse_host_message(envelope(json{{"EC2InstanceId", "i-1"}}));
  EXPECT_EQ(m.kind, MessageKind::kIgnore);
}

TEST(ParseHostMessage, MalformedNamesWhatIsWrong) {
  struct Case {
    std::string body;
    std::string expect;
  };
  json no_host = ready("i-1", "h");
  no_host.erase("LocalHostname");
  json bad_slots = ready("i-1", "h", "four");
  json zero_slots = ready("i-1", "h", "0");
  json no_id = terminate("x");
  no_id.erase("EC2InstanceId");
  json bad_host = ready("i-1", "-rm -rf.x");
  const std::vector<Case> cases = {
      {"not json{", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {json{{"Type", "Notification"}, {"Message", "{oops"}}.dump(), "Message is not JSON"},
      {json{{"Type", "Notification"}, {"Message", 5}}.dump(), "Message must be a string"},
      {json{{"Type", "Notification"}}.dump(), "without a Message"},
      {envelope(no_host), "missing LocalHostname"},
      {envelope(bad_slots), "Slots must be a positive integer"},
      {envelope(zero_slots), "between 1 and"},
      {envelope(no_id), "missing EC2InstanceId"},
      {envelope(bad_host), "valid host name"},
      {envelope(json{{"Event", 3}}), "Event must be a string"},
  };
  for (const auto& c : cases) {
    auto m = parse_host_message(c.body);
    EXPECT_EQ(m.kind, MessageKind::kMalformed) << c.body;
    EXPECT_NE(m.reason.find(c.expect), std::string::npos) << m.reason;
  }
}

HostMessage add(const std::string& id, const std::string& host) {
  return parse_host_message(envelope(ready(id, host)));
}
HostMessage remove(const std::string& id) { return parse_host_message(envelope(terminate(id))); }

TEST(PlanBatch, RemoveBeatsAddForTheSameInstance) {
  auto plan = plan_batch({add("i-1", "h1"), remove("i-1")}, {"m1", "m2"});
  EXPECT_TRUE(plan.adds.empty());
  ASSERT_EQ(plan.removes, std::vector<size_t>{1});
  EXPECT_EQ(plan.superseded, std::vector<size_t>{0});
  // The removal can use the ADD's hostname (the ADD never wrote its DynamoDB row).
  EXPECT_EQ(plan.remove_hostname_hint, std::vector<std::string>{"h1"});
  // Order does not matter: a REMOVE received first still wins.
  auto plan2 = plan_batch({remove("i-1"), add("i-1", "h1")}, {"m1", "m2"});
  EXPECT_TRUE(plan2.adds.empty());
  EXPECT_EQ(plan2.removes, std::vector<size_t>{0});
}

TEST(PlanBatch, DuplicateMessageIdKeepsTheLaterCopy) {
  auto plan = plan_batch({add("i-1", "h1"), add("i-1", "h1")}, {"m1", "m1"});
  EXPECT_EQ(plan.adds, std::vector<size_t>{1});
  EXPECT_EQ(plan.superseded, std::vector<size_t>{0});
}

TEST(PlanBatch, SameHostnameDifferentInstances) {
  // Two ADDs under one hostname: the last one joins.
  auto plan = plan_batch({add("i-1", "h"), add("i-2", "h")}, {"a", "b"});
  EXPECT_EQ(plan.adds, std::vector<size_t>{1});
  EXPECT_EQ(plan.superseded, std::vector<size_t>{0});
  // REMOVE of an old instance and ADD of a new one reusing the name: both are acted on.
  auto reuse = plan_batch({remove("i-old"), add("i-new", "h")}, {"a", "b"});
  EXPECT_EQ(reuse.removes, std::vector<size_t>{0});
  EXPECT_EQ(reuse.adds, std::vector<size_t>{1});
  EXPECT_TRUE(reuse.superseded.empty());
}

TEST(PlanBatch, OtherMessagesAndOrder) {
  auto plan = plan_batch({parse_host_message("junk"), add("i-1", "h1"), remove("i-2"), add("i-3", "h3")},
                         {"a", "b", "c", "d"});
  EXPECT_EQ(plan.other, std::vector<size_t>{0});
  EXPECT_EQ(plan.adds, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(plan.removes, std::vector<size_t>{2});
  EXPECT_EQ(plan.remove_hostname_hint, std::vector<std::string>{""});
}

TEST(DecideRetry, BoundedWithBackoff) {
  RetryPolicy p;  // 5 deliveries, 30 s doubling, 300 s cap
  auto r1 = decide_retry(1, p);
  EXPECT_TRUE(r1.retry);
  EXPECT_EQ(r1.visibility_timeout_s, 30);
  EXPECT_EQ(decide_retry(2, p).visibility_timeout_s, 60);
  EXPECT_EQ(decide_retry(4, p).visibility_timeout_s, 240);
  EXPECT_FALSE(decide_retry(5, p).retry);
  EXPECT_FALSE(decide_retry(50, p).retry);
  p.max_receive_count = 100;
  EXPECT_EQ(decide_retry(10, p).visibility_timeout_s, 300);
}

}  // namespace
}  // namespace ebbflow::core
