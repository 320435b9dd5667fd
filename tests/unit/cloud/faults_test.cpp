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

}  // namespace
}  // namespace ebbflow::cloud
