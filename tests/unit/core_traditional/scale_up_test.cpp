// jobwatcher's decision (core::decide_scale_up, reference 2.1).
#include "core/traditional/scale_up.h"

#include <gtest/gtest.h>

namespace ebbflow::core {
namespace {

TEST(ScaleUp, RaisesDesiredToBusyPlusPending) {
  auto d = decide_scale_up({1, 2, 10}, 2, 3);
  ASSERT_TRUE(d.new_desired.has_value());
  EXPECT_EQ(*d.new_desired, 5);
  EXPECT_FALSE(d.anomaly);
}

TEST(ScaleUp, NoPendingNoChange) {
  auto d = decide_scale_up({1, 2, 10}, 2, 0);
  EXPECT_FALSE(d.new_desired.has_value());
  EXPECT_NE(d.reason.find("no pending"), std::string::npos);
}

TEST(ScaleUp, NeverLowers) {
  // 1 busy + 1 pending = 2 < desired 6: the group keeps 6 (nodewatcher scales down).
  auto d = decide_scale_up({0, 6, 10}, 1, 1);
  EXPECT_FALSE(d.new_desired.has_value());
}

TEST(ScaleUp, EqualToDesiredIsNoChange) {
  EXPECT_FALSE(decide_scale_up({0, 4, 10}, 2, 2).new_desired.has_value());
}

TEST(ScaleUp, CapsAtMax) {
  auto d = decide_scale_up({0, 3, 8}, 3, 20);
  ASSERT_TRUE(d.new_desired.has_value());
  EXPECT_EQ(*d.new_desired, 8);
  EXPECT_NE(d.reason.find("capped at max 8"), std::string::npos);
}

TEST(ScaleUp, AtMaxAlreadyNoChange) {
  EXPECT_FALSE(decide_scale_up({0, 8, 8}, 8, 4).new_desired.has_value());
  // Desired above max (max lowered by an operator): still never lowered here.
  EXPECT_FALSE(decide_scale_up({0, 9, 8}, 2, 4).new_desired.has_value());
}

TEST(ScaleUp, NegativeCountsAreAnAnomalyNotAnAction) {
  auto d = decide_scale_up({0, 1, 8}, 2, -1);
  EXPECT_FALSE(d.new_desired.has_value());
  EXPECT_TRUE(d.anomaly);
  EXPECT_TRUE(decide_scale_up({0, 1, 8}, -3, 2).anomaly);
}

}  // namespace
}  // namespace ebbflow::core
