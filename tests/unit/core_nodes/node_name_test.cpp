// Node-name parsing: the greedy regex of reference 5.1, its examples and invalid names.
#include <gtest/gtest.h>

#include "core/slurm_node.h"

namespace ebbflow::core {
namespace {

struct NameCase {
  const char* name;
  const char* queue;
  NodeType type;
  const char* cr;
  int index;
};

TEST(NodeName, ParsesReferenceExamples) {
  const NameCase cases[] = {
      {"queue1-st-c5xlarge-1", "queue1", NodeType::kStatic, "c5xlarge", 1},
      {"queue1-dy-c5xlarge-12", "queue1", NodeType::kDynamic, "c5xlarge", 12},
      {"queue1-st-dy-c5xlarge-1", "queue1-st", NodeType::kDynamic, "c5xlarge", 1},
      {"queue1-dy-dy-dy-dy-c5xlarge-1", "queue1-dy-dy-dy", NodeType::kDynamic, "c5xlarge", 1},
      {"queue-1-st-c5-xl-ar-g-e---1", "queue-1", NodeType::kStatic, "c5-xl-ar-g-e--", 1},
      {"efa-st-efa-c5n-1", "efa", NodeType::kStatic, "efa-c5n", 1},
      {"q-dy-st-5", "q", NodeType::kDynamic, "st", 5},
      {"q-st-dy-st-5", "q-st", NodeType::kDynamic, "st", 5},
      {"gpu-dy-g4dn-007", "gpu", NodeType::kDynamic, "g4dn", 7},
      {"a-st-b-0", "a", NodeType::kStatic, "b", 0},
  };
  for (const auto& c : cases) {
    auto parsed = parse_node_name(c.name);
    ASSERT_TRUE(parsed.has_value()) << c.name;
    EXPECT_EQ(parsed->queue, c.queue) << c.name;
    EXPECT_EQ(parsed->type, c.type) << c.name;
    EXPECT_EQ(parsed->compute_resource, c.cr) << c.name;
    EXPECT_EQ(parsed->index, c.index) << c.name;
  }
}

TEST(NodeName, RejectsInvalidNames) {
  for (const char* bad : {"queue1-st-c5.xlarge-1", "queue_1-st-c5xlarge-1", "Queue1-st-c5xlarge-1",
                          "queue1-st-c5xlarge", "queue1-st-c5xlarge-", "queue1-st-c5xlarge-1a",
                          "queue1-xx-c5xlarge-1", "-st-c5xlarge-1", "queue1-st--1", "queue1-st-1",
                          "st-c5-1", "", "queue1-st-c5xlarge-12345678901", "q-dy-c5-[1-3]",
                          "queue1 -st-c5-1"}) {
    EXPECT_FALSE(parse_node_name(bad).has_value()) << bad;
  }
}

TEST(NodeName, MakeRoundTrips) {
  EXPECT_EQ(make_node_name("queue1", NodeType::kStatic, "c5xlarge", 3), "queue1-st-c5xlarge-3");
  EXPECT_EQ(make_node_name("q-st", NodeType::kDynamic, "c5", 10), "q-st-dy-c5-10");
  for (auto type : {NodeType::kStatic, NodeType::kDynamic}) {
    for (const char* queue : {"q", "queue-1", "a-dy-b"}) {
      for (const char* cr : {"c5", "c5-xl", "x-y-z"}) {
        std::string name = make_node_name(queue, type, cr, 42);
        auto parsed = parse_node_name(name);
        ASSERT_TRUE(parsed.has_value()) << name;
        EXPECT_EQ(parsed->type, type) << name;
        EXPECT_EQ(parsed->index, 42) << name;
        // The greedy rule means a queue ending in -st/-dy segments still re-parses identically
        // as long as the CR does not itself contain "-st-"/"-dy-".
        EXPECT_EQ(parsed->queue, queue) << name;
        EXPECT_EQ(parsed->compute_resource, cr) << name;
      }
    }
  }
}

}  // namespace
}  // namespace ebbflow::core
