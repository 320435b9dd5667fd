#include "cloud/faults.h"

#include <gtest/gtest.h>

namespace ebbflow::cloud {
namespace {

TEST(FaultTable, FailLaunchCountsDownAndFiltersByType) {
  FaultTable t;
  auto f = fault_from_json({{"kind", "fail-launch"}, {"instance_type", "c5.xlarge"}, {"count", 2}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->code, "InsufficientInstanceCapacity");
  t.add(*f);
  EXPECT_FALSE(t.on_launch("m5.large").has_value());
  auto e = t.on_launch("c5.xlarge");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "InsufficientInstanceCapacity");
  EXPECT_EQ(e->http_status, 400);
  EXPECT_TRUE(t.on_launch("c5.xlarge").has_value());
  EXPECT_FALSE(t.on_launch("c5.xlarge").has_value());  // used up
  EXPECT_TRUE(t.all().empty());
}

TEST(FaultTable, UntilClearedAndRequestFaults) {
  FaultTable t;
  t.add(*fault_from_json({{"kind", "fail-launch"}, {"count", -1}}));
  t.add(*fault_from_json({{"kind", "throttle"}, {"action", "DescribeInstances"}, {"count", 1}}));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.on_launch("t3.micro").has_value());
  EXPECT_FALSE(t.on_request("RunInstances").has_value());  // fail-launch is not a request fault
  auto e = t.on_request("DescribeInstances");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "RequestLimitExceeded");
  EXPECT_EQ(e->http_status, 503);
  EXPECT_FALSE(t.on_request("DescribeInstances").has_value());
  t.clear();
  EXPECT_FALSE(t.on_launch("t3.micro").has_value());
}

TEST(FaultTable, RejectsUnknownKindsAndBadCounts) {
  EXPECT_EQ(fault_from_json({{"kind", "meteor"}}).error().code, "InvalidFault");
  EXPECT_FALSE(fault_from_json({{"kind", "throttle"}, {"count", 0}}).ok());
  EXPECT_FALSE(fault_from_json({{"kind", "throttle"}, {"count", "x"}}).ok());
}

TEST(FaultTable, JsonRoundTripKeepsIds) {
  FaultTable t;
  t.add(*fault_from_json({{"kind", "server-error"}, {"count", 3}}));
  auto back = fault_from_json(to_json(t.all().front()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, 1);
  EXPECT_EQ(back->remaining, 3);
  FaultTable u;
  u.restore({*back});
  EXPECT_EQ(u.add(*fault_from_json({{"kind", "throttle"}})), 2);
}

TEST(FaultTable, NeverBootstrapCountsInstancesOfItsType) {
  FaultTable t;
  t.add(*fault_from_json({{"kind", "never-bootstrap"}, {"instance_type", "c5.xlarge"}, {"count", 2}}));
  EXPECT_FALSE(t.on_instance_start("t3.micro"));
  EXPECT_TRUE(t.on_instance_start("c5.xlarge"));
  EXPECT_FALSE(t.on_launch("c5.xlarge").has_value());  // the launch itself succeeds
  EXPECT_TRUE(t.on_instance_start("c5.xlarge"));
  EXPECT_FALSE(t.on_instance_start("c5.xlarge"));  // used up
}

TEST(FaultTable, StatusFaultsDescribeOneInstanceUntilItIsForgotten) {
  FaultTable t;
  t.add(*fault_from_json({{"kind", "impaired-status"}, {"instance_id", "i-1"}, {"check", "system"}, {"since", 100}}));
  t.add(*fault_from_json({{"kind", "scheduled-event"}, {"instance_id", "i-1"}, {"code", "instance-stop"}, {"since", 50}}));
  t.add(*fault_from_json({{"kind", "impaired-status"}, {"instance_id", "i-2"}, {"since", 70}}));
  InjectedStatus s = t.status_of("i-1");
  EXPECT_EQ(s.system_impaired_since, 100);
  EXPECT_EQ(s.instance_impaired_since, 0);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].code, "instance-stop");
  EXPECT_FALSE(s.events[0].description.empty());
  EXPECT_GT(s.events[0].not_before, 50);
  // Reading does not use the faults up.
  EXPECT_EQ(t.status_of("i-1").system_impaired_since, 100);
  EXPECT_EQ(t.status_of("i-2").instance_impaired_since, 70);
  EXPECT_TRUE(t.forget_instance("i-1"));
  EXPECT_TRUE(t.status_of("i-1").events.empty());
  EXPECT_EQ(t.status_of("i-1").system_impaired_since, 0);
  EXPECT_EQ(t.status_of("i-2").instance_impaired_since, 70);
  EXPECT_FALSE(t.forget_instance("i-1"));
}

TEST(FaultTable, StatusFaultsAreValidated) {
  EXPECT_FALSE(fault_from_json({{"kind", "impaired-status"}}).ok());  // no instance
  EXPECT_FALSE(fault_from_json({{"kind", "impaired-status"}, {"instance_id", "i-1"}, {"check", "disk"}}).ok());
  EXPECT_FALSE(fault_from_json({{"kind", "scheduled-event"}, {"instance_id", "i-1"}, {"code", "meteor"}}).ok());
  auto f = fault_from_json({{"kind", "scheduled-event"}, {"instance_id", "i-1"}, {"code", "system-reboot"}, {"count", 1}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->remaining, -1);  // a state, not a count
  auto back = fault_from_json(to_json(*f));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->instance_id, "i-1");
  EXPECT_EQ(back->code, "system-reboot");
}

TEST(FaultTable, SlowReplyDelaysOnlyItsAction) {
  FaultTable t;
  EXPECT_FALSE(fault_from_json({{"kind", "slow-reply"}}).ok());  // needs a delay
  t.add(*fault_from_json({{"kind", "slow-reply"}, {"action", "RunInstances"}, {"delay_s", 7}}));
  EXPECT_EQ(t.on_reply("DescribeInstances"), 0);
  EXPECT_FALSE(t.on_request("RunInstances").has_value());  // not an error
  EXPECT_EQ(t.on_reply("RunInstances"), 7);
  EXPECT_EQ(t.on_reply("RunInstances"), 0);  // used up
}

}  // namespace
}  // namespace ebbflow::cloud
