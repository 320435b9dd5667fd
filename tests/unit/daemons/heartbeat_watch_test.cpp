// computemgtd's heartbeat watch: staleness is the time since the heartbeat last changed, on the
// compute node's monotonic clock, so wall-clock jumps and head/compute skew are not a lost head.
#include "daemons/heartbeat_watch.h"

#include <gtest/gtest.h>

namespace ebbflow::daemons {
namespace {

constexpr int64_t kTimeout = 300;

TEST(HeartbeatWatch, StartCountsAsTheFirstSignOfLife) {
  HeartbeatWatch w(1000);
  EXPECT_EQ(w.stale_for(1000), 0);
  EXPECT_EQ(w.stale_for(1299), 299);
  w.observe(std::nullopt, 1299);  // no file yet: no sign of life
  EXPECT_EQ(w.stale_for(1300), kTimeout);
}

TEST(HeartbeatWatch, AnUnchangedValueIsStaleEvenIfItLooksRecent) {
  HeartbeatWatch w(0);
  const int64_t written = 1'800'000'000;  // the head node's wall clock
  w.observe(written, 10);
  for (int64_t t = 70; t <= 370; t += 60) w.observe(written, t);  // clustermgtd stopped writing
  EXPECT_EQ(w.stale_for(370), 360);
  EXPECT_GE(w.stale_for(370), kTimeout);
}

TEST(HeartbeatWatch, HeadNodeClockJumpingBackIsStillALiveClustermgtd) {
  HeartbeatWatch w(0);
  w.observe(1'800'000'600, 60);
  // NTP steps the head node's clock back by an hour: the next heartbeats are "older" values.
  w.observe(1'799'997'060, 120);
  w.observe(1'799'997'120, 180);
  EXPECT_EQ(w.stale_for(200), 20);
}

TEST(HeartbeatWatch, ComputeNodeClockJumpDoesNotAgeTheHeartbeat) {
  // The old rule (compute wall clock minus the written time) would call a heartbeat written a
  // second ago stale after the compute node's clock jumps forward by an hour. The watch does not
  // read the compute node's wall clock at all: only the monotonic seconds between changes count.
  HeartbeatWatch w(0);
  int64_t written = 1'800'000'000;
  for (int64_t t = 0; t <= 600; t += 60, written += 60) w.observe(written, t);
  EXPECT_LT(w.stale_for(610), kTimeout);
}

TEST(HeartbeatWatch, UnreadableFileNeitherRefreshesNorResets) {
  HeartbeatWatch w(0);
  w.observe(1'800'000'000, 0);
  w.observe(std::nullopt, 100);
  w.observe(1'800'000'000, 200);  // readable again, same value: still no change since 0
  EXPECT_EQ(w.stale_for(300), 300);
  w.observe(1'800'000'300, 300);
  EXPECT_EQ(w.stale_for(301), 1);
}

}  // namespace
}  // namespace ebbflow::daemons
