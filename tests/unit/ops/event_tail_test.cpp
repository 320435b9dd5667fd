// EventTail (incremental events.jsonl reader) and the `ebbflow events` filter and line format.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "daemons/metrics.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

class EventTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebbflow-ops-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/events.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void append(const std::string& text) {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << text;
  }
  std::string dir_, path_;
};

TEST_F(EventTailTest, MissingFileYieldsNothing) {
  EventTail tail(path_);
  EXPECT_TRUE(tail.read_new().empty());
  EXPECT_EQ(tail.offset(), 0u);
}

TEST_F(EventTailTest, ReadsOnlyWhatWasAppended) {
  const std::string l1 = R"({"rule":"a","action":"x"})" "\n";
  const std::string l2 = R"({"rule":"b","action":"y"})" "\n";
  append(l1 + l2);
  EventTail tail(path_);
  auto first = tail.read_new();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].event["rule"], "a");
  EXPECT_EQ(first[0].end_offset, l1.size());
  EXPECT_EQ(first[1].end_offset, l1.size() + l2.size());
  EXPECT_TRUE(tail.read_new().empty());
  append(R"({"rule":"c"})" "\n");
  auto second = tail.read_new();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].event["rule"], "c");
}

TEST_F(EventTailTest, PartialLineWaitsForItsNewline) {
  append(R"({"rule":"a"})" "\n" R"({"rule":)");
  EventTail tail(path_);
  ASSERT_EQ(tail.read_new().size(), 1u);
  uint64_t at = tail.offset();
  EXPECT_TRUE(tail.read_new().empty());
  EXPECT_EQ(tail.offset(), at);
  append(R"("b"})" "\n");
  auto rest = tail.read_new();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].event["rule"], "b");
}

TEST_F(EventTailTest, SkipsGarbageAndRestartsWhenTheFileShrinks) {
  append("not json\n" R"({"rule":"a"})" "\n" "[1,2]\n");
  EventTail tail(path_);
  auto got = tail.read_new();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event["rule"], "a");
  std::filesystem::remove(path_);
  append(R"({"rule":"z"})" "\n");
  auto again = tail.read_new();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].event["rule"], "z");
}

TEST_F(EventTailTest, StartsFromAGivenOffset) {
  const std::string l1 = R"({"rule":"a"})" "\n";
  append(l1 + R"({"rule":"b"})" "\n");
  EventTail tail(path_, l1.size());
  auto got = tail.read_new();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event["rule"], "b");
}

TEST(EventView, FiltersByNodeRuleAndTime) {
  json e = {{"time", "2026-11-26T01:30:00Z"}, {"rule", "power-saving"}, {"nodes", {"q-dy-c-1", "q-dy-c-2"}}};
  EXPECT_TRUE(event_matches(e, "", "", ""));
  EXPECT_TRUE(event_matches(e, "q-dy-c-2", "power-saving", "2026-11-26T01:30:00Z"));
  EXPECT_FALSE(event_matches(e, "q-dy-c-3", "", ""));
  EXPECT_FALSE(event_matches(e, "", "static-replacement", ""));
  EXPECT_FALSE(event_matches(e, "", "", "2026-11-26T01:30:01Z"));
  EXPECT_TRUE(event_matches(e, "", "", "2026-11-26"));
  EXPECT_FALSE(event_matches(e, "", "", "2026-11-27"));
  EXPECT_FALSE(event_matches(json{{"rule", "x"}}, "n", "", ""));
}

TEST(EventView, HumanLine) {
  json e = {{"time", "2026-11-26T01:30:00Z"}, {"component", "clustermgtd"}, {"rule", "power-saving"},
            {"action", "terminate-instances"}, {"nodes", {"a", "b"}}, {"node_count", 5},
            {"reason", "powered down by Slurm"}, {"outcome", "ok"}};
  EXPECT_EQ(format_event_line(e),
            "2026-11-26T01:30:00Z  clustermgtd  power-saving  terminate-instances  a,b (+3 more)  powered down by Slurm  [ok]");
  EXPECT_EQ(format_event_line(json{{"time", "t"}, {"outcome", "error"}}), "t        -    [error]");
}

}  // namespace
}  // namespace ebbflow::daemons
