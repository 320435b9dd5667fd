// Queue / compute-resource naming rules, and why they exist: a name the rules accept must
// round-trip through the node-name regex the daemons use (reference section 5.1).
#include <gtest/gtest.h>

#include <regex>

#include "config/naming_rules.h"
#include "config/text_match.h"

namespace ebbflow::config {
namespace {

TEST(NamingRules, AcceptsOrdinaryNames) {
  for (const char* n : {"compute", "q1", "gpu-a100", "a", "c5xlarge", "queue-dy", "x-st"})
    EXPECT_FALSE(check_compute_resource_name(n).has_value()) << n;
  EXPECT_FALSE(check_queue_name("queue-st-x").has_value());  // the greedy first group copes with this
}

TEST(NamingRules, RejectsCharactersSlurmNodeNamesCannotCarry) {
  EXPECT_NE(check_queue_name("Queue")->find("lowercase"), std::string::npos);
  EXPECT_NE(check_queue_name("1queue")->find("start with a lowercase letter"), std::string::npos);
  EXPECT_NE(check_queue_name("q_1")->find("'_'"), std::string::npos);
  EXPECT_NE(check_queue_name("c5.xlarge")->find("'.'"), std::string::npos);
  EXPECT_NE(check_queue_name("q-")->find("end with '-'"), std::string::npos);
  EXPECT_NE(check_queue_name(std::string(26, 'a'))->find("at most 25"), std::string::npos);
  EXPECT_FALSE(check_queue_name(std::string(25, 'a')).has_value());
  EXPECT_TRUE(check_queue_name("").has_value());
}

TEST(NamingRules, RejectsResourceNamesTheGreedyRegexWouldSplitWrongly) {
  for (const char* n : {"st-x", "dy-x", "a-st-b", "a-dy-b"}) {
    auto bad = check_compute_resource_name(n);
    ASSERT_TRUE(bad.has_value()) << n;
    EXPECT_NE(bad->find("greedy"), std::string::npos);
  }
}

// The property behind the rule: for names the checks accept, parsing the generated node name
// gives back exactly (queue, type, resource).
TEST(NamingRules, AcceptedNamesRoundTripThroughTheNodeNameRegex) {
  const std::regex node_re(R"(^([a-z0-9\-]+)-(st|dy)-([a-z0-9\-]+)-\d+$)");
  const std::vector<std::string> parts{"a", "st", "dy", "q", "1", "x-y", "st-a", "a-dy", "b-st-c", "dy", "c5"};
  int checked = 0;
  for (const auto& q : parts) {
    for (const auto& cr : parts) {
      if (check_queue_name(q) || check_compute_resource_name(cr)) continue;
      for (const char* type : {"st", "dy"}) {
        std::string node = q + "-" + type + "-" + cr + "-7";
        std::smatch m;
        ASSERT_TRUE(std::regex_match(node, m, node_re)) << node;
        EXPECT_EQ(m[1], q) << node;
        EXPECT_EQ(m[2], type) << node;
        EXPECT_EQ(m[3], cr) << node;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(TextMatch, SuggestsOnlyPlausibleTypos) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(edit_distance("Region", "region"), 0);
  std::vector<std::string> keys{"Region", "Scheduling", "Cloud", "Daemons"};
  EXPECT_EQ(closest_match("region", keys), "Region");
  EXPECT_EQ(closest_match("Schedulng", keys), "Scheduling");
  EXPECT_EQ(closest_match("Foo", keys), "");
  auto near = nearest_matches("c5.xlarg", {"t3.micro", "c5.xlarge", "c5.large"}, 2);
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0], "c5.xlarge");
  EXPECT_EQ(near[1], "c5.large");
}

}  // namespace
}  // namespace ebbflow::config
