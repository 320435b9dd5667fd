// The warm pool's submit history read from squeue (daemons/job_arrivals.h).
#include <gtest/gtest.h>

#include "daemons/job_arrivals.h"

namespace ebbflow::daemons {
namespace {

constexpr int64_t T = 1'796'457'600;  // 2026-12-05T08:00:00Z

TEST(JobArrivals, ParsesSqueueLines) {
  auto jobs = parse_job_submits("12,2026-12-05T08:00:00,2\n13,2026-12-05T08:00:30,1\n\n");
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].job_id, 12);
  EXPECT_EQ((*jobs)[0].submit_time, T);
  EXPECT_EQ((*jobs)[0].nodes, 2);
  EXPECT_EQ((*jobs)[1].submit_time, T + 30);
}

TEST(JobArrivals, BadLinesAreErrorsNamingTheLine) {
  for (const char* bad : {"12,2026-12-05 08:00:00,2", "x,2026-12-05T08:00:00,2", "12,2026-12-05T08:00:00,",
                          "12,2026-13-05T08:00:00,2", "12,2026-12-05T08:00:00,-1", "12,2026-12-05T08:00:00",
                          "0,2026-12-05T08:00:00,1", "12,2026-12-05T08:00:00,99999999999"}) {
    auto r = parse_job_submits(std::string("1,2026-12-05T08:00:00,1\n") + bad + "\n");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  }
}

TEST(JobArrivals, EachJobIsRecordedOnceAndOldOnesAreDropped) {
  ArrivalHistory h;
  record_arrivals(h, {{10, T, 2}, {11, T + 60, 1}}, T - 3600);
  record_arrivals(h, {{11, T + 60, 1}, {12, T + 120, 4}}, T - 3600);  // 11 still queued: not again
  ASSERT_EQ(h.arrivals.size(), 3u);
  EXPECT_EQ(h.max_job_id, 12);
  EXPECT_EQ(h.arrivals[2].nodes, 4);
  record_arrivals(h, {}, T + 30);  // the look-back has passed job 10
  ASSERT_EQ(h.arrivals.size(), 2u);
  EXPECT_EQ(h.arrivals[0].time, T + 60);
}

TEST(JobArrivals, TimeOrderIsKeptWhenIdsAndSubmitTimesDisagree) {
  ArrivalHistory h;
  record_arrivals(h, {{21, T + 10, 1}, {20, T + 50, 1}}, 0);
  record_arrivals(h, {{22, T + 5, 3}}, 0);
  ASSERT_EQ(h.arrivals.size(), 3u);
  EXPECT_TRUE(std::is_sorted(h.arrivals.begin(), h.arrivals.end(),
                             [](const core::Arrival& a, const core::Arrival& b) { return a.time < b.time; }));
}

TEST(JobArrivals, LookbackCoversThePeriodicCap) {
  core::ScaleDownSettings s;  // 14 days + 1 h ahead + a window
  EXPECT_EQ(arrival_lookback_seconds(s), 14 * 86400 + 3600 + 600);
  s.periods = 0;
  EXPECT_EQ(arrival_lookback_seconds(s), 3600 + 600);
}

TEST(JobArrivals, JsonRoundTripAndCorruptText) {
  ArrivalHistory h;
  record_arrivals(h, {{5, T, 2}, {6, T + 1, 3}}, 0);
  auto back = arrival_history_from_json(arrival_history_to_json(h));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->max_job_id, 6);
  ASSERT_EQ(back->arrivals.size(), 2u);
  EXPECT_EQ(back->arrivals[1].nodes, 3);
  for (const char* bad : {"", "[]", "{\"max_job_id\":1,\"times\":[1],\"nodes\":[]}", "{\"max_job_id\":\"x\",\"times\":[],\"nodes\":[]}",
                          "{\"max_job_id\":1,\"times\":[\"a\"],\"nodes\":[1]}"})
    EXPECT_FALSE(arrival_history_from_json(bad).ok()) << bad;
}

}  // namespace
}  // namespace ebbflow::daemons
