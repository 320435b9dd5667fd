// The warm pool's submit history read from squeue (daemons/job_arrivals.h).
#include <gtest/gtest.h>

#include "daemons/job_arrivals.h"

namespace ebbflow::daemons {
namespace {

constexpr int64_t T = 1'796'457'600;  // 2026-12-05T08:00:00Z

TEST(JobArrivals, ParsesSqueueLines) {
  auto jobs = parse_job_submits(
      "12,2026-12-05T08:00:00,2,RUNNING,2026-12-05T08:05:00\n13,2026-12-05T08:00:30,1,PENDING,N/A\n\n"
      "14,2026-12-05T08:00:40,1,PENDING,2026-12-05T09:00:00\n");
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].job_id, 12);
  EXPECT_EQ((*jobs)[0].submit_time, T);
  EXPECT_EQ((*jobs)[0].nodes, 2);
  EXPECT_EQ((*jobs)[0].state, "RUNNING");
  EXPECT_EQ((*jobs)[0].start_time, T + 300);
  EXPECT_EQ((*jobs)[1].submit_time, T + 30);
  EXPECT_EQ((*jobs)[1].start_time, 0);
  EXPECT_TRUE(is_pending_state((*jobs)[2].state));  // a pending job's %S is Slurm's estimate
  EXPECT_FALSE(is_pending_state("CONFIGURING"));
  EXPECT_TRUE(is_pending_state("REQUEUE_HOLD"));
}

TEST(JobArrivals, BadLinesAreErrorsNamingTheLine) {
  for (const char* bad :
       {"12,2026-12-05 08:00:00,2,PENDING,N/A", "x,2026-12-05T08:00:00,2,PENDING,N/A", "12,2026-12-05T08:00:00,,PENDING,N/A",
        "12,2026-13-05T08:00:00,2,PENDING,N/A", "12,2026-12-05T08:00:00,-1,PENDING,N/A", "12,2026-12-05T08:00:00,2",
        "0,2026-12-05T08:00:00,1,PENDING,N/A", "12,2026-12-05T08:00:00,99999999999,PENDING,N/A",
        "12,2026-12-05T08:00:00,2,running,N/A", "12,2026-12-05T08:00:00,2,RUNNING,soon",
        "12,2026-12-05T08:00:00,2,RUNNING,N/A,extra", "12,2026-12-05T08:00:00,2,,N/A"}) {
    auto r = parse_job_submits(std::string("1,2026-12-05T08:00:00,1,PENDING,N/A\n") + bad + "\n");
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
  EXPECT_EQ(back->recorded_since, 0);  // no read yet
  // The first read starts the learning hour; it is saved; a history saved before the field
  // existed loads without it (0), so its next read starts the hour.
  record_jobs(h, {}, T + 60, core::ScaleDownSettings{});
  record_jobs(h, {}, T + 120, core::ScaleDownSettings{});
  EXPECT_EQ(h.recorded_since, T + 60);
  EXPECT_EQ(arrival_history_from_json(arrival_history_to_json(h))->recorded_since, T + 60);
  auto old = arrival_history_from_json("{\"max_job_id\":1,\"times\":[],\"nodes\":[]}");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->recorded_since, 0);
  EXPECT_FALSE(arrival_history_from_json("{\"max_job_id\":1,\"recorded_since\":\"x\",\"times\":[],\"nodes\":[]}").ok());
  for (const char* bad : {"", "[]", "{\"max_job_id\":1,\"times\":[1],\"nodes\":[]}", "{\"max_job_id\":\"x\",\"times\":[],\"nodes\":[]}",
                          "{\"max_job_id\":1,\"times\":[\"a\"],\"nodes\":[1]}"})
    EXPECT_FALSE(arrival_history_from_json(bad).ok()) << bad;
}

// The feedback as clustermgtd feeds it: settings whose model keeps up with the present.
core::ScaleDownSettings feedback_rule() {
  core::ScaleDownSettings s;
  s.feedback_lag = 0;
  s.feedback_margin = 0;
  s.feedback_idle_timer = 600;
  s.feedback_boot_time = 300;
  return s;
}

JobSubmit job(int64_t id, int64_t submit, int nodes, const char* state, int64_t start = 0) {
  return JobSubmit{id, submit, nodes, state, start};
}

TEST(JobFeedback, SubmitsStartsAndEndsReachTheFeedbackOnce) {
  const auto s = feedback_rule();
  ArrivalHistory h;
  record_jobs(h, {job(1, T, 2, "PENDING")}, T + 10, s);
  EXPECT_EQ(h.feedback.jobs, 1);              // the model (nothing idle) makes it wait for a boot
  EXPECT_EQ(h.feedback.model_boot_waits, 1);
  EXPECT_EQ(h.live_job_starts.at(1), -1);
  record_jobs(h, {job(1, T, 2, "CONFIGURING", T + 20)}, T + 70, s);  // its nodes boot: a boot wait here too
  record_jobs(h, {job(1, T, 2, "RUNNING", T + 20)}, T + 130, s);      // the same start: not again
  EXPECT_EQ(h.feedback.boot_waits, 1);
  EXPECT_EQ(h.live_job_starts.at(1), T + 20);
  EXPECT_NEAR(h.feedback.balance, 0, 1e-12);  // one wait each
  // Job 2 starts on an idle node (seen RUNNING at once, never CONFIGURING): no boot wait here.
  record_jobs(h, {job(1, T, 2, "RUNNING", T + 20), job(2, T + 140, 1, "RUNNING", T + 141)}, T + 190, s);
  EXPECT_EQ(h.feedback.boot_waits, 1);
  EXPECT_EQ(h.feedback.model_boot_waits, 2);  // the model had no idle node either
  EXPECT_NEAR(h.feedback.balance, -1, 1e-12);
  EXPECT_LT(core::with_feedback(s, h.feedback).pool_scale, 1);  // fewer waits than the timer: narrower
  // Job 1 is gone: it ran from T + 20 to this read; in the model from T + 300 for as long.
  record_jobs(h, {job(2, T + 140, 1, "RUNNING", T + 141)}, T + 620, s);
  EXPECT_EQ(h.live_job_starts.count(1), 0u);
  record_jobs(h, {job(2, T + 140, 1, "RUNNING", T + 141)}, T + 900, s);
  ASSERT_EQ(h.feedback.model_idle.size(), 1u);
  EXPECT_EQ(h.feedback.model_idle.begin()->first, T + 300 + 600);
  EXPECT_EQ(h.feedback.model_idle.begin()->second, 2);
  EXPECT_EQ(h.arrivals.size(), 2u);  // the submits are recorded for the pool as before
}

TEST(JobFeedback, AJobCancelledWhilePendingLeavesTheModel) {
  auto s = feedback_rule();
  s.feedback_lag = 660;
  ArrivalHistory h;
  record_jobs(h, {job(7, T, 4, "PENDING")}, T + 5, s);
  record_jobs(h, {}, T + 65, s);  // scancel: gone before it started
  EXPECT_TRUE(h.live_job_starts.empty());
  record_jobs(h, {}, T + 5000, s);
  EXPECT_EQ(h.feedback.jobs, 0);
  EXPECT_EQ(h.feedback.model_boot_waits, 0);
  EXPECT_TRUE(h.feedback.model_jobs.empty());
}

TEST(JobFeedback, RequeuedJobStartsOnceAndFeedbackOffTracksNothing) {
  const auto s = feedback_rule();
  ArrivalHistory h;
  record_jobs(h, {job(3, T, 1, "RUNNING", T + 1)}, T + 60, s);
  record_jobs(h, {job(3, T, 1, "PENDING")}, T + 120, s);  // requeued
  record_jobs(h, {job(3, T, 1, "CONFIGURING", T + 150)}, T + 180, s);
  EXPECT_EQ(h.feedback.boot_waits, 0);  // its start was reported at T + 1
  auto off = s;
  off.feedback = false;
  ArrivalHistory quiet;
  record_jobs(quiet, {job(4, T, 1, "CONFIGURING", T + 1)}, T + 60, off);
  EXPECT_TRUE(quiet.live_job_starts.empty());
  EXPECT_EQ(quiet.feedback.jobs + quiet.feedback.boot_waits, 0);
  EXPECT_EQ(quiet.arrivals.size(), 1u);
}

TEST(JobFeedback, SavedAndReloadedHistoryCarriesOnExactlyAsIfNeverSaved) {
  auto s = feedback_rule();
  s.feedback_lag = 660;
  ArrivalHistory straight;
  const std::vector<std::vector<JobSubmit>> reads = {
      {job(1, T, 2, "PENDING"), job(2, T + 3, 1, "PENDING")},
      {job(1, T, 2, "CONFIGURING", T + 30), job(2, T + 3, 1, "RUNNING", T + 31)},
      {job(2, T + 3, 1, "RUNNING", T + 31), job(3, T + 100, 8, "PENDING")},
      {job(3, T + 100, 8, "RUNNING", T + 190)},
      {},
      {job(4, T + 1000, 1, "PENDING")}};
  // Launches fail now and then (a third of them): the model retries its failed launches too.
  const auto launches = [](size_t k) { return std::pair<int64_t, int64_t>(3 * k, k); };
  for (size_t k = 0; k < reads.size(); ++k) {
    record_launches(straight, launches(k).first, launches(k).second, s);
    record_jobs(straight, reads[k], T + 60 * (k + 1), s);
  }
  ArrivalHistory saved;
  for (size_t k = 0; k < reads.size(); ++k) {
    record_launches(saved, launches(k).first, launches(k).second, s);
    record_jobs(saved, reads[k], T + 60 * (k + 1), s);
    auto back = arrival_history_from_json(arrival_history_to_json(saved));  // a restart after every loop
    ASSERT_TRUE(back.ok()) << back.error().describe();
    saved = std::move(*back);
  }
  record_jobs(straight, {}, T + 5000, s);
  record_jobs(saved, {}, T + 5000, s);
  EXPECT_EQ(arrival_history_to_json(saved), arrival_history_to_json(straight));
  EXPECT_EQ(saved.feedback.jobs, 3);  // job 4 left while pending, before the model reached it
  EXPECT_EQ(saved.feedback.boot_waits, 1);
  EXPECT_DOUBLE_EQ(saved.feedback.balance, straight.feedback.balance);
  EXPECT_EQ(saved.feedback.launched_nodes, 15);
  EXPECT_EQ(saved.feedback.failed_nodes, 5);
  // History saved before the feedback existed loads with a new feedback; a damaged one does not.
  auto old = arrival_history_from_json("{\"max_job_id\":4,\"times\":[1],\"nodes\":[2]}");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->feedback.jobs, 0);
  // ... and one saved before the model failed launches: 5-wide model jobs, no launch counts.
  auto older = arrival_history_from_json(
      "{\"max_job_id\":4,\"times\":[],\"nodes\":[],\"feedback\":{\"balance\":0.5,\"jobs\":1,\"boot_waits\":0,"
      "\"model_boot_waits\":1,\"model_jobs\":[[4,100,2,300,-1]]}}");
  ASSERT_TRUE(older.ok()) << older.error().describe();
  EXPECT_EQ(older->feedback.model_jobs.at(4).attempts, 0);
  EXPECT_EQ(older->feedback.launched_nodes, 0);
  for (const char* bad :
       {"{\"max_job_id\":4,\"times\":[],\"nodes\":[],\"live_job_starts\":[[1]]}",
        "{\"max_job_id\":4,\"times\":[],\"nodes\":[],\"feedback\":{\"balance\":\"x\"}}",
        "{\"max_job_id\":4,\"times\":[],\"nodes\":[],\"feedback\":{\"balance\":0,\"jobs\":0,\"boot_waits\":0,"
        "\"model_boot_waits\":0,\"model_jobs\":[[1,2,3]]}}"})
    EXPECT_FALSE(arrival_history_from_json(bad).ok()) << bad;
}

TEST(JobFeedback, LaunchCountsReachTheFeedbackOnceAndALowerCountStartsAgain) {
  const auto s = feedback_rule();
  ArrivalHistory h;
  record_launches(h, 10, 1, s);
  record_launches(h, 10, 1, s);  // nothing new
  EXPECT_EQ(h.feedback.launched_nodes, 10);
  EXPECT_EQ(h.feedback.failed_nodes, 1);
  record_launches(h, 30, 2, s);
  EXPECT_EQ(h.feedback.launched_nodes, 30);
  EXPECT_EQ(h.feedback.failed_nodes, 2);
  record_launches(h, 4, 3, s);  // a new state database: its counts from now on
  EXPECT_EQ(h.feedback.launched_nodes, 4);
  EXPECT_EQ(h.feedback.failed_nodes, 3);
}

}  // namespace
}  // namespace ebbflow::daemons
