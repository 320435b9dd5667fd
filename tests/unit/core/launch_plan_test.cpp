#include "core/launch_plan.h"

#include <gtest/gtest.h>

namespace ebbflow::core {
namespace {

std::vector<QueueSpec> queues() {
  return {{"q", {{"c", "c5.xlarge", 2, 10}, {"g", "p3.2xlarge", 0, 3}}}, {"r", {{"c", "r5.xlarge", 0, 2}}}};
}

TEST(LaunchPlan, GroupsByComputeResourceAndBatches) {
  auto plan = plan_launch({"q-dy-c-1", "q-dy-g-1", "q-dy-c-2", "q-dy-c-3", "r-dy-c-1"}, queues(), 2,
                          LaunchPurpose::kResume);
  ASSERT_EQ(plan.batches.size(), 4u);
  EXPECT_EQ(plan.batches[0].node_names, (std::vector<std::string>{"q-dy-c-1", "q-dy-c-2"}));
  EXPECT_EQ(plan.batches[0].instance_type, "c5.xlarge");
  EXPECT_EQ(plan.batches[1].node_names, (std::vector<std::string>{"q-dy-c-3"}));
  EXPECT_EQ(plan.batches[2].compute_resource, "g");
  EXPECT_EQ(plan.batches[3].queue, "r");
  EXPECT_TRUE(plan.rejected.empty());
}

TEST(LaunchPlan, RejectsUnknownAndOutOfRangeNames) {
  auto plan = plan_launch({"q-dy-c-9", "q-dy-c-8", "x-dy-c-1", "q-dy-zz-1", "not_a_node", "q-st-c-3"}, queues(), 500,
                          LaunchPurpose::kStaticReplacement);
  // q has MinCount 2 / MaxCount 10 -> dynamic 1..8, static 1..2.
  EXPECT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(plan.batches[0].node_names, std::vector<std::string>{"q-dy-c-8"});
  EXPECT_EQ(plan.rejected["InvalidNodenameError"].size(), 5u);
}

TEST(LaunchPlan, ResumeNeverLaunchesStaticNodes) {
  auto plan = plan_launch({"q-st-c-1", "q-dy-c-1"}, queues(), 500, LaunchPurpose::kResume);
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(plan.rejected["StaticNodeNotResumable"], std::vector<std::string>{"q-st-c-1"});
  auto replace = plan_launch({"q-st-c-1"}, queues(), 500, LaunchPurpose::kStaticReplacement);
  EXPECT_EQ(replace.batches.size(), 1u);
}

TEST(LaunchPlan, DuplicatesLaunchedOnce) {
  auto plan = plan_launch({"q-dy-c-1", "q-dy-c-1"}, queues(), 500, LaunchPurpose::kResume);
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(plan.batches[0].node_names.size(), 1u);
}

}  // namespace
}  // namespace ebbflow::core
