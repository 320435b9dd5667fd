#pragma once
// computemgtd's view of clustermgtd's heartbeat: how long the heartbeat has not CHANGED, timed on
// the compute node's own monotonic clock. ParallelCluster compares the timestamp written in the
// file with the compute node's wall clock, so a clock jump on either side (NTP stepping a clock
// that drifted, a VM resumed from pause) or skew between head and compute node reads as a lost
// head node, and nodes shut themselves down under running jobs. A change of the value in either
// direction means clustermgtd wrote it, so it is alive; only the absence of change is staleness.
#include <cstdint>
#include <optional>

namespace ebbflow::daemons {

class HeartbeatWatch {
 public:
  // The watch starts when computemgtd does: its start counts as the first sign of life.
  explicit HeartbeatWatch(int64_t steady_now_s) : last_change_s_(steady_now_s) {}

  // One read of the heartbeat file; nullopt when it could not be read (missing, unreadable),
  // which is no sign of life but no evidence of death either.
  void observe(std::optional<int64_t> heartbeat_value, int64_t steady_now_s) {
    if (!heartbeat_value || heartbeat_value == last_value_) return;
    last_value_ = heartbeat_value;
    last_change_s_ = steady_now_s;
  }

  // Seconds, on the monotonic clock, since the heartbeat last changed (or the watch started).
  int64_t stale_for(int64_t steady_now_s) const { return steady_now_s - last_change_s_; }

 private:
  std::optional<int64_t> last_value_;
  int64_t last_change_s_;
};

}  // namespace ebbflow::daemons
