// jobwatcher scenarios with fake ports, minute by minute in virtual time.
#include "daemons/traditional/jobwatcher.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace ebbflow::daemons {
namespace {

using testing::FakeAsg;
using testing::FakeScheduler;
using testing::TempEventLog;

constexpr int64_t T0 = 1'800'000'000;

JobwatcherSettings settings() { return {"c-compute", {4, 0}, 60}; }

TEST(Jobwatcher, RaisesDesiredToFitPendingJobs) {
  FakeAsg asg(0, 1, 10);
  FakeScheduler sched;
  sched.busy = 1;
  sched.required = 3;
  TempEventLog log;
  Jobwatcher jw(asg, sched, log.log(), settings());
  ASSERT_TRUE(jw.run_once(T0).ok());
  EXPECT_EQ(asg.group.desired_capacity, 4);
  EXPECT_EQ(sched.required_max_sizes, std::vector<int>{10});  // max_size passed to the adapter
  auto ev = log.with("set-desired-capacity");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["component"], "jobwatcher");
  EXPECT_EQ(ev[0]["rule"], "scale-up");
  EXPECT_EQ(ev[0]["detail"]["new_desired"], 4);
  EXPECT_EQ(ev[0]["outcome"], "ok");
  // Next minute, same demand now partly running: 4 busy + 0 pending -> nothing more.
  sched.busy = 4;
  sched.required = 0;
  ASSERT_TRUE(jw.run_once(T0 + 60).ok());
  EXPECT_EQ(asg.desired_calls, std::vector<int>{4});
}

TEST(Jobwatcher, NeverLowers) {
  FakeAsg asg(0, 6, 10);
  FakeScheduler sched;
  sched.busy = 0;
  sched.required = 2;
  Jobwatcher jw(asg, sched, nullptr, settings());
  for (int64_t t = T0; t < T0 + 600; t += 60) ASSERT_TRUE(jw.run_once(t).ok());
  EXPECT_TRUE(asg.desired_calls.empty());
  EXPECT_EQ(asg.group.desired_capacity, 6);
}

TEST(Jobwatcher, CapsAtMax) {
  FakeAsg asg(0, 2, 5);
  FakeScheduler sched;
  sched.busy = 2;
  sched.required = 40;
  Jobwatcher jw(asg, sched, nullptr, settings());
  ASSERT_TRUE(jw.run_once(T0).ok());
  EXPECT_EQ(asg.group.desired_capacity, 5);
  ASSERT_TRUE(jw.run_once(T0 + 60).ok());  // at max: no second call
  EXPECT_EQ(asg.desired_calls, std::vector<int>{5});
}

TEST(Jobwatcher, HeldJobsIgnoredThroughThePortsAnswer) {
  // The adapter leaves held jobs out of required_nodes: with only held jobs it answers 0.
  FakeAsg asg(0, 0, 10);
  FakeScheduler sched;
  sched.required = 0;
  Jobwatcher jw(asg, sched, nullptr, settings());
  ASSERT_TRUE(jw.run_once(T0).ok());
  EXPECT_TRUE(asg.desired_calls.empty());
  EXPECT_FALSE(jw.last_step().decision.new_desired.has_value());
}

TEST(Jobwatcher, FailedReadsChangeNothing) {
  FakeAsg asg(0, 1, 10);
  FakeScheduler sched;
  sched.required = 5;
  sched.reachable = false;
  Jobwatcher jw(asg, sched, nullptr, settings());
  Status st = jw.run_once(T0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kUnavailable);
  sched.reachable = true;
  asg.fail_describe = true;
  EXPECT_FALSE(jw.run_once(T0 + 60).ok());
  EXPECT_TRUE(asg.desired_calls.empty());
  asg.fail_describe = false;
  asg.group.name = "other";
  Status missing = jw.run_once(T0 + 120);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

TEST(Jobwatcher, NegativePendingIsLoggedNotActedOn) {
  FakeAsg asg(0, 1, 10);
  FakeScheduler sched;
  sched.required = -2;
  TempEventLog log;
  Jobwatcher jw(asg, sched, log.log(), settings());
  ASSERT_TRUE(jw.run_once(T0).ok());
  EXPECT_TRUE(asg.desired_calls.empty());
  auto notes = log.with("note", "scale-up");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]["outcome"], "error");
}

}  // namespace
}  // namespace ebbflow::daemons
