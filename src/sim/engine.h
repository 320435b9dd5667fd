// The discrete-event engine behind run_policy(): Slurm (FCFS + EASY backfill, power saving),
// the cloud (instances, boot times, billing, failures) and the policy's daemons, in virtual time.
//
// Nodes are whole machines used by one job at a time. A node is power-saved (no instance),
// booting, busy, idle, powering down (Slurm's SuspendTimeout; its instance lives until
// clustermgtd terminates it) or down (a failed resume, or disabled after insufficient capacity).
// Idle nodes are reused most recently idle first. Events at the same second run in the order of
// EventType (job ends before submits, as in the reference estimate), each followed by a
// scheduling pass. The clustermgtd loop runs only while it has something to look at (idle nodes
// for ebbflow's release rule, powering-down or down nodes, an insufficient-capacity record);
// a loop with none of these would decide nothing, so skipping it changes no number.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cluster_model.h"
#include "core/plan.h"
#include "core/scale_down_policy.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace ebbflow::sim {

enum class EventType : uint8_t { kJobEnd, kBootDone, kPowerDownDone, kIdleTimer, kTick, kJobwatcher, kWake, kSubmit };

struct Event {
  int64_t time;
  EventType type;
  uint64_t seq;
  int target;
  uint32_t gen;
  bool operator>(const Event& o) const {
    if (time != o.time) return time > o.time;
    if (type != o.type) return type > o.type;
    return seq > o.seq;
  }
};

enum class NodeState : uint8_t { kSaved, kBooting, kBusy, kIdle, kPoweringDown, kDown };

struct SimNode {
  NodeState state = NodeState::kSaved;
  uint32_t gen = 0;        // bumped on every change; stale events compare it
  int job = -1;
  int64_t idle_since = 0;
  int64_t launch_time = 0;
  int64_t boot_s = 0;
  int64_t boot_done = 0;
  int64_t instance = -1;   // instance sequence number, -1 without an instance
  std::string reason;      // Slurm reason while down
};

struct SimJob {
  int nodes = 0;
  int pending_boots = 0;
  int64_t start = -1;
  bool boot_wait = false;
  bool requeued = false;   // a launch for it failed (Slurm requeued it)
  std::vector<int> held;   // nodes allocated
  std::multiset<std::pair<int64_t, int>>::iterator running;  // entry in Engine::running_
  bool in_running = false;
  int64_t not_before = 0;  // a requeued job waits before Slurm considers it again
};

class Engine {
 public:
  Engine(const Trace& trace, Policy policy, const SimSettings& settings);
  PolicyResult run(const Progress& progress);

 private:
  // events
  void push(int64_t t, EventType type, int target = -1, uint32_t gen = 0);
  void handle(const Event& e);
  void on_submit(int j);
  void on_job_end(int j);
  void on_boot_done(int n);
  void on_idle_timer(int n);
  void on_power_down_done(int n);
  void on_tick();
  void on_jobwatcher();
  // Slurm
  bool power_saving() const { return policy_ == Policy::kEbbflow || policy_ == Policy::kPcluster3; }
  int free_nodes() const;
  void schedule();
  bool try_start(int j);
  void allocate(int j);
  void start_job(int j);
  void make_idle(int n);
  void power_down(int n);
  void requeue(int j);
  // cloud
  bool launch(int n);  // false when the launch failed
  void terminate(int n);
  void ensure_tick();
  // core bridge (core_bridge.cpp)
  void run_clustermgtd();
  void apply(const core::Plan& plan);
  std::string node_name(int n) const;
  std::string instance_id(int64_t seq) const;
  std::string instance_ip(int64_t seq) const;
  // series
  void sample_until(int64_t t);

  const Trace& trace_;
  const Policy policy_;
  SimSettings s_;
  std::vector<SimNode> nodes_;
  std::vector<SimJob> jobs_;
  std::vector<JobOutcome> outcomes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t seq_ = 0;
  int64_t now_ = 0;
  std::deque<int> queue_;
  std::set<std::pair<int64_t, int>> idle_;          // (idle_since, node); reuse from the end
  std::vector<int> saved_;                          // power-saved nodes, reuse from the back
  std::multiset<std::pair<int64_t, int>> running_;  // (estimated end, nodes) for backfill
  std::vector<core::Arrival> arrivals_;
  core::BootWaitFeedback feedback_;                 // ebbflow's boot-wait feedback (when on)
  std::unordered_map<std::string, int> node_of_instance_;
  core::ManagerState manager_state_;
  core::ManagerSettings manager_settings_;
  std::mt19937_64 rng_;
  bool tick_pending_ = false;
  bool jobwatcher_pending_ = false;
  int64_t next_instance_ = 0;
  int alive_ = 0;        // instances that exist
  int busy_ = 0;         // nodes held by jobs
  // Nodes clustermgtd must see: powering down with an instance, or down.
  std::set<int> attention_;
  double billed_s_ = 0, boot_s_ = 0;
  PolicyResult result_;
  int64_t next_sample_ = 0;
};

}  // namespace ebbflow::sim
