// The dashboard's pure helpers: node and job counts for the chart, the /api/events filter.
#include <gtest/gtest.h>

#include "daemons/dashboard.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

TEST(DashboardHelpers, CountsBusyAndPoweredNodes) {
  json st = json::parse(R"({"queues":[{"name":"q","compute_resources":[
    {"name":"a","nodes_by_state":{"IDLE+CLOUD":2,"power-saved":3,"ALLOCATED+CLOUD":1}},
    {"name":"b","nodes_by_state":{"MIXED+CLOUD":2,"DOWN+CLOUD":1,"COMPLETING+CLOUD":1}}]}]})");
  int busy = -1, powered = -1;
  count_nodes(st, busy, powered);
  EXPECT_EQ(busy, 4);
  EXPECT_EQ(powered, 7);
  count_nodes(json::object(), busy, powered);
  EXPECT_EQ(busy, 0);
  EXPECT_EQ(powered, 0);
}

TEST(DashboardHelpers, CountsJobsFromSqueueStates) {
  int pending = -1, running = -1;
  count_jobs("PENDING\nRUNNING\nPENDING\nCOMPLETING\n  RUNNING  \nPENDING", pending, running);
  EXPECT_EQ(pending, 3);
  EXPECT_EQ(running, 2);
  count_jobs("", pending, running);
  EXPECT_EQ(pending, 0);
  EXPECT_EQ(running, 0);
}

TEST(DashboardHelpers, EventsAfterCursorFilteredByNodeAndRule) {
  std::deque<TailedEvent> events = {
      {10, {{"rule", "a"}, {"nodes", {"n1"}}}},
      {20, {{"rule", "b"}, {"nodes", {"n1", "n2"}}}},
      {30, {{"rule", "a"}, {"nodes", {"n2"}}}},
  };
  EXPECT_EQ(filter_events(events, 0, "", "").size(), 3u);
  auto after = filter_events(events, 10, "", "");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0]["offset"], 20);
  EXPECT_EQ(filter_events(events, 0, "n2", "").size(), 2u);
  auto both = filter_events(events, 0, "n2", "a");
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0]["offset"], 30);
  EXPECT_TRUE(filter_events(events, 30, "", "").empty());
}

TEST(DashboardHelpers, UnknownSampleValuesAreNull) {
  DemandSample s;
  s.time = 5;
  s.busy_nodes = 2;
  json j = sample_to_json(s);
  EXPECT_EQ(j["busy"], 2);
  EXPECT_TRUE(j["powered"].is_null());
  EXPECT_TRUE(j["pending"].is_null());
}

}  // namespace
}  // namespace ebbflow::daemons
