// sqswatcher scenarios: an SQS queue with visibility timeouts in virtual time, a DynamoDB
// table and a scheduler, all fakes.
#include "daemons/traditional/sqswatcher.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;
using testing::FakeDynamo;
using testing::FakeScheduler;
using testing::FakeSqs;
using testing::TempEventLog;

constexpr int64_t T0 = 1'800'000'000;

std::string envelope(const json& inner) {
  return json{{"Type", "Notification"}, {"MessageId", "sns-1"}, {"Message", inner.dump()}}.dump();
}
std::string ready(const std::string& id, const std::string& host, int slots = 4) {
  return envelope({{"Event", "parallelcluster:COMPUTE_READY"}, {"EC2InstanceId", id},
                   {"Slots", std::to_string(slots)}, {"LocalHostname", host + ".ec2.internal"},
                   {"EC2InstanceType", "c5.xlarge"}});
}
std::string terminated(const std::string& id) {
  return envelope({{"Event", "autoscaling:EC2_INSTANCE_TERMINATE"}, {"EC2InstanceId", id},
                   {"AutoScalingGroupName", "c-compute"}});
}

struct Rig {
  int64_t now = T0;
  FakeSqs sqs{&now};
  FakeDynamo db;
  FakeScheduler sched;
  TempEventLog log;
  Sqswatcher w{sqs, db, sched, log.log(), settings()};
  static SqswatcherSettings settings() {
    SqswatcherSettings s;
    s.queue_url = "http://q";
    s.table = "c-hosts";
    s.visibility_timeout_s = 60;
    return s;
  }
  Status step() { return w.run_once(now); }
};

TEST(Sqswatcher, ReadyHostJoinsAndTerminatedHostLeaves) {
  Rig r;
  r.sqs.send(ready("i-1", "ip-10-0-0-1", 8));
  ASSERT_TRUE(r.step().ok());
  EXPECT_TRUE(r.sched.hosts.count("ip-10-0-0-1"));
  EXPECT_EQ(r.sched.slots["ip-10-0-0-1"], 8);
  EXPECT_EQ(r.db.items.at("i-1").at("hostname"), "ip-10-0-0-1");
  EXPECT_EQ(r.sqs.live(), 0u);
  auto adds = r.log.with("add-hosts", "compute-ready");
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_EQ(adds[0]["component"], "sqswatcher");
  EXPECT_EQ(adds[0]["nodes"][0], "ip-10-0-0-1");

  r.now += 30;
  r.sqs.send(terminated("i-1"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_FALSE(r.sched.hosts.count("ip-10-0-0-1"));
  EXPECT_FALSE(r.db.items.count("i-1"));
  EXPECT_EQ(r.sqs.live(), 0u);
  EXPECT_EQ(r.log.with("remove-hosts", "instance-terminate").size(), 1u);
}

TEST(Sqswatcher, AddThenRemoveInOneBatchOnlyRemoves) {
  Rig r;
  r.sqs.send(ready("i-1", "h1"));
  r.sqs.send(terminated("i-1"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.add_calls, 0);  // the host never joins
  EXPECT_EQ(r.sched.remove_calls, 1);
  EXPECT_FALSE(r.sched.hosts.count("h1"));
  EXPECT_EQ(r.db.puts, 0);
  EXPECT_EQ(r.sqs.live(), 0u);  // both messages handled
  EXPECT_EQ(r.w.last_step().removed, 1);
  EXPECT_EQ(r.w.last_step().added, 0);
  // A late redelivery of that ADD (another copy) is dropped: the instance is gone.
  r.now += 10;
  r.sqs.send(ready("i-1", "h1"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.add_calls, 0);
  EXPECT_EQ(r.sqs.live(), 0u);
}

TEST(Sqswatcher, RedeliveredMessageIsHandledOnce) {
  Rig r;
  r.sqs.send(ready("i-1", "h1"));
  r.sqs.fail_delete = true;  // the delete is lost: SQS delivers the message again later
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.add_calls, 1);
  EXPECT_EQ(r.sqs.live(), 1u);
  r.sqs.fail_delete = false;
  r.now += 30;  // still invisible
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().received, 0);
  r.now += 31;  // visibility timeout (60 s) over: redelivered
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().received, 1);
  EXPECT_EQ(r.sched.add_calls, 1);  // no second effect
  EXPECT_EQ(r.db.puts, 1);
  EXPECT_EQ(r.sqs.live(), 0u);
  EXPECT_EQ(r.log.with("delete-message", "redelivered-message").size(), 1u);
}

TEST(Sqswatcher, RedeliveredRemoveHasNoSecondEffect) {
  Rig r;
  r.db.items["i-1"] = {{"instanceId", "i-1"}, {"hostname", "h1"}};
  r.sched.hosts.insert("h1");
  r.sqs.send(terminated("i-1"));
  r.sqs.fail_delete = true;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.remove_calls, 1);
  r.sqs.fail_delete = false;
  r.now += 61;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.remove_calls, 1);
  EXPECT_EQ(r.sqs.live(), 0u);
  EXPECT_TRUE(r.log.with("drop-message").empty());  // not mistaken for a missing row
}

TEST(Sqswatcher, SameMessageTwiceInOneBatch) {
  Rig r;
  r.sqs.send(ready("i-1", "h1"));
  r.sqs.deliver_twice = 1;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().received, 2);
  EXPECT_EQ(r.sched.add_calls, 1);
  EXPECT_EQ(r.sched.hosts.size(), 1u);
  EXPECT_EQ(r.sqs.live(), 0u);
}

TEST(Sqswatcher, MalformedMessageIsDeletedWithAnEvent) {
  Rig r;
  r.sqs.send("{not json");
  r.sqs.send(envelope({{"Event", "parallelcluster:COMPUTE_READY"}, {"EC2InstanceId", "i-1"}}));
  r.sqs.send(envelope({{"Event", "autoscaling:EC2_INSTANCE_LAUNCH"}, {"EC2InstanceId", "i-1"}}));
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sqs.live(), 0u);
  EXPECT_EQ(r.sched.add_calls, 0);
  auto bad = r.log.with("delete-message", "malformed-message");
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0]["outcome"], "error");
  EXPECT_NE(bad[1]["reason"].get<std::string>().find("missing LocalHostname"), std::string::npos);
  EXPECT_EQ(r.log.with("delete-message", "unsupported-event").size(), 1u);
}

TEST(Sqswatcher, SchedulerUnreachableMessagesStayAndAreRetried) {
  Rig r;
  r.sqs.send(ready("i-1", "h1"));
  r.sqs.send(ready("i-2", "h2"));
  r.sched.reachable = false;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sqs.live(), 2u);  // not deleted
  EXPECT_EQ(r.w.last_step().retried, 2);
  EXPECT_EQ(r.log.with("retry-message", "compute-ready").size(), 2u);
  ASSERT_EQ(r.sqs.visibility_changes.size(), 2u);
  EXPECT_EQ(r.sqs.visibility_changes[0].second, 30);  // first back-off
  // Before the back-off ends nothing comes back.
  r.sched.reachable = true;
  r.now += 20;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().received, 0);
  r.now += 15;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().added, 2);
  EXPECT_TRUE(r.sched.hosts.count("h1") && r.sched.hosts.count("h2"));
  EXPECT_EQ(r.sqs.live(), 0u);
}

TEST(Sqswatcher, RemoveWithMissingRowIsRetriedThenDropped) {
  Rig r;
  const std::string id = r.sqs.send(terminated("i-404"));
  int steps = 0;
  while (r.sqs.live() > 0 && steps < 100) {
    ASSERT_TRUE(r.step().ok());
    r.now += 10;
    ++steps;
  }
  EXPECT_EQ(r.sqs.live(), 0u);
  EXPECT_EQ(r.sqs.find(id)->msg.approximate_receive_count, 5);  // bounded: 5 deliveries
  EXPECT_EQ(r.log.with("retry-message", "instance-terminate").size(), 4u);
  auto dropped = r.log.with("drop-message", "instance-terminate");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_NE(dropped[0]["reason"].get<std::string>().find("no hostname for i-404"), std::string::npos);
  EXPECT_EQ(r.sched.remove_calls, 0);
  // Back-off doubled between deliveries: 30, 60, 120, 240 s.
  std::vector<int> waits;
  for (auto& [m, s] : r.sqs.visibility_changes) waits.push_back(s);
  EXPECT_EQ(waits, (std::vector<int>{30, 60, 120, 240}));
}

TEST(Sqswatcher, RemoveSucceedsOnceTheRowAppears) {
  // The REMOVE arrives before the instance's ADD was handled (ADD retried): the REMOVE waits.
  Rig r;
  r.sqs.send(terminated("i-1"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().retried, 1);
  r.db.items["i-1"] = {{"instanceId", "i-1"}, {"hostname", "h1"}};
  r.sched.hosts.insert("h1");
  r.now += 31;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().removed, 1);
  EXPECT_FALSE(r.sched.hosts.count("h1"));
}

TEST(Sqswatcher, ReusedHostnameEndsUpAdded) {
  Rig r;
  r.db.items["i-old"] = {{"instanceId", "i-old"}, {"hostname", "h"}};
  r.sched.hosts.insert("h");
  r.sqs.send(ready("i-new", "h"));
  r.sqs.send(terminated("i-old"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_TRUE(r.sched.hosts.count("h"));  // removal first, then the new instance's add
  EXPECT_FALSE(r.db.items.count("i-old"));
  EXPECT_EQ(r.db.items.at("i-new").at("hostname"), "h");
  EXPECT_EQ(r.sqs.live(), 0u);
}

TEST(Sqswatcher, LateRemoveOfAReusedHostnameKeepsTheNewHost) {
  Rig r;
  r.sqs.send(ready("i-old", "h"));
  ASSERT_TRUE(r.step().ok());
  // The old instance ended; a new one got its address and joined before the old one's
  // terminate notification arrived.
  r.now += 30;
  r.sqs.send(ready("i-new", "h"));
  ASSERT_TRUE(r.step().ok());
  r.now += 30;
  r.sqs.send(terminated("i-old"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_TRUE(r.sched.hosts.count("h"));  // the new instance's host stays
  EXPECT_EQ(r.sched.remove_calls, 0);
  EXPECT_FALSE(r.db.items.count("i-old"));
  EXPECT_EQ(r.db.items.at("i-new").at("hostname"), "h");
  EXPECT_EQ(r.sqs.live(), 0u);
  EXPECT_EQ(r.log.with("delete-mapping", "instance-terminate").size(), 1u);
  // The new instance's own REMOVE does take the host out.
  r.now += 30;
  r.sqs.send(terminated("i-new"));
  ASSERT_TRUE(r.step().ok());
  EXPECT_FALSE(r.sched.hosts.count("h"));
}

TEST(Sqswatcher, DynamoFailureRetriesTheAdd) {
  Rig r;
  r.sqs.send(ready("i-1", "h1"));
  r.db.fail = true;
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.add_calls, 0);  // no mapping, no join (a later REMOVE would need it)
  EXPECT_EQ(r.sqs.live(), 1u);
  r.db.fail = false;
  r.now += 31;
  ASSERT_TRUE(r.step().ok());
  EXPECT_TRUE(r.sched.hosts.count("h1"));
}

TEST(Sqswatcher, ReceivesUpToTheCap) {
  Rig r;
  for (int i = 0; i < 250; ++i) r.sqs.send(ready("i-" + std::to_string(i), "h" + std::to_string(i)));
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.w.last_step().received, 200);
  EXPECT_EQ(r.sched.hosts.size(), 200u);
  EXPECT_EQ(r.sqs.live(), 50u);
  ASSERT_TRUE(r.step().ok());
  EXPECT_EQ(r.sched.hosts.size(), 250u);
  EXPECT_EQ(r.sqs.live(), 0u);
}

TEST(Sqswatcher, ReceiveFailureIsAnError) {
  Rig r;
  r.sqs.send(ready("i-1", "h1"));
  r.sqs.fail_receive = true;
  Status st = r.step();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.sched.add_calls, 0);
}

}  // namespace
}  // namespace ebbflow::daemons
