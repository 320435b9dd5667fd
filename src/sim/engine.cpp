#include "sim/engine.h"

#include <algorithm>
#include <limits>

#include "core/launch_plan.h"

namespace ebbflow::sim {

namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
int64_t next_multiple(int64_t t, int64_t step) { return step <= 0 ? t : ((t + step - 1) / step) * step; }
}  // namespace

Engine::Engine(const Trace& trace, Policy policy, const SimSettings& settings)
    : trace_(trace), policy_(policy), s_(settings), rng_(settings.seed) {
  if (s_.max_nodes <= 0) s_.max_nodes = std::max(1, zero_wait_peak(trace, s_.cores_per_node));
  nodes_.resize(static_cast<size_t>(s_.max_nodes));
  jobs_.resize(trace.jobs.size());
  for (size_t j = 0; j < trace.jobs.size(); ++j) jobs_[j].nodes = nodes_for(trace.jobs[j], s_.cores_per_node);
  // Reuse order among power-saved nodes: lowest index first, like Slurm's node order.
  for (int n = s_.max_nodes - 1; n >= 0; --n) saved_.push_back(n);
  core::QueueSpec q{"sim", {{"cr", s_.instance_type, 0, s_.max_nodes}}};
  manager_settings_.queues = {q};
  result_.policy = policy;
}

void Engine::push(int64_t t, EventType type, int target, uint32_t gen) {
  events_.push(Event{t, type, seq_++, target, gen});
}

PolicyResult Engine::run(const Progress& progress) {
  if (trace_.jobs.empty()) return result_;
  const int64_t t0 = trace_.jobs.front().submit;
  const int64_t t_last = trace_.jobs.back().submit;
  now_ = t0;
  if (s_.ebbflow_cold_start) s_.ebbflow.recorded_since = t0;  // it learns for the trace's first hour
  result_.wait_by_job.assign(trace_.jobs.size(), -1);
  if (s_.series_points > 0) {
    result_.series.start = t0;
    result_.series.step = std::max<int64_t>(1, (t_last - t0) / s_.series_points + 1);
    next_sample_ = t0;
  }
  if (policy_ == Policy::kStatic) {
    // MaxCount nodes, up before the first job and never released (their boot is not counted).
    while (!saved_.empty()) {
      int n = saved_.back();
      saved_.pop_back();
      nodes_[n].instance = next_instance_++;
      nodes_[n].launch_time = t0;
      ++alive_;
      ++result_.launches;
      make_idle(n);
    }
    result_.peak_nodes = alive_;
    result_.api_calls += 1;
  }
  // Submits are pushed lazily, one ahead, so the heap holds live events only.
  size_t next_job = 0;
  if (!trace_.jobs.empty()) push(trace_.jobs[0].submit, EventType::kSubmit, 0);
  uint64_t handled = 0;
  while (!events_.empty()) {
    Event e = events_.top();
    events_.pop();
    if (s_.series_points > 0) sample_until(e.time);
    now_ = e.time;
    if (e.type == EventType::kSubmit) {
      next_job = static_cast<size_t>(e.target) + 1;
      if (next_job < trace_.jobs.size()) push(trace_.jobs[next_job].submit, EventType::kSubmit, static_cast<int>(next_job));
    }
    handle(e);
    if (progress && (++handled & 0x3ffff) == 0)
      progress(static_cast<double>(now_ - t0) / static_cast<double>(std::max<int64_t>(1, t_last - t0)));
    if (policy_ == Policy::kStatic && events_.empty()) {
      for (size_t n = 0; n < nodes_.size(); ++n)
        if (nodes_[n].instance >= 0) terminate(static_cast<int>(n));
    }
  }
  result_.billed_node_hours = billed_s_ / 3600.0;
  result_.boot_node_hours = boot_s_ / 3600.0;
  double busy = 0;
  for (size_t j = 0; j < trace_.jobs.size(); ++j) busy += static_cast<double>(jobs_[j].nodes) * trace_.jobs[j].run;
  result_.busy_node_hours = busy / 3600.0;
  result_.idle_node_hours = result_.billed_node_hours - result_.busy_node_hours - result_.boot_node_hours;
  summarize_waits(std::move(outcomes_), result_);
  if (policy_ == Policy::kEbbflow && s_.ebbflow.feedback) {
    core::feedback_advance(feedback_, kNever / 2, s_.ebbflow);  // the model catches up for the report
    result_.model_boot_wait_jobs = feedback_.model_boot_waits;
  }
  return result_;
}

void Engine::sample_until(int64_t t) {
  while (next_sample_ <= t && result_.series.nodes.size() < static_cast<size_t>(s_.series_points) + 1) {
    result_.series.nodes.push_back(alive_);
    result_.series.busy.push_back(busy_);
    result_.series.queued.push_back(static_cast<int>(queue_.size()));
    next_sample_ += result_.series.step;
  }
}

void Engine::handle(const Event& e) {
  switch (e.type) {
    case EventType::kSubmit: on_submit(e.target); break;
    case EventType::kJobEnd: on_job_end(e.target); break;
    case EventType::kBootDone:
      if (nodes_[e.target].gen == e.gen) on_boot_done(e.target);
      break;
    case EventType::kIdleTimer:
      if (nodes_[e.target].gen == e.gen && nodes_[e.target].state == NodeState::kIdle) on_idle_timer(e.target);
      break;
    case EventType::kPowerDownDone:
      if (nodes_[e.target].gen == e.gen) on_power_down_done(e.target);
      break;
    case EventType::kTick: on_tick(); break;
    case EventType::kJobwatcher: on_jobwatcher(); break;
    case EventType::kWake: break;  // a requeued job became eligible: the pass below looks
  }
  schedule();
}

// --- jobs ---------------------------------------------------------------------------------

void Engine::on_submit(int j) {
  SimJob& job = jobs_[j];
  if (job.nodes > s_.max_nodes) {
    // Never runnable on this cluster: reported as an outcome with the whole-trace wait would
    // distort every policy alike, so the job is dropped from all of them (same rule each run).
    return;
  }
  arrivals_.push_back({now_, job.nodes});
  if (policy_ == Policy::kEbbflow) core::feedback_on_submit(feedback_, now_, j, job.nodes, s_.ebbflow);
  queue_.push_back(j);
  if (policy_ == Policy::kEbbflow) ensure_tick();
}

int Engine::free_nodes() const {
  return static_cast<int>(idle_.size()) + (power_saving() ? static_cast<int>(saved_.size()) : 0);
}

void Engine::schedule() {
  if (queue_.empty()) return;
  while (!queue_.empty() && jobs_[queue_.front()].nodes <= free_nodes() && jobs_[queue_.front()].not_before <= now_) {
    int j = queue_.front();
    queue_.pop_front();
    allocate(j);
  }
  if (queue_.empty()) {
    return;
  }
  if (policy_ == Policy::kPcluster2 && !jobwatcher_pending_) {
    jobwatcher_pending_ = true;
    push(next_multiple(now_ + 1, s_.loop_time_s), EventType::kJobwatcher);
  }
  // EASY backfill: the head job's reservation (shadow time) from the running jobs' estimates.
  int free = free_nodes();
  if (free == 0 || queue_.size() < 2 || jobs_[queue_.front()].not_before > now_) return;
  const int head_nodes = jobs_[queue_.front()].nodes;
  int64_t shadow = kNever;
  int extra = 0;
  int avail = free;
  for (const auto& [end, n] : running_) {
    avail += n;
    if (avail >= head_nodes) {
      shadow = end;
      extra = avail - head_nodes;
      break;
    }
  }
  if (shadow == kNever) return;  // the head waits for nodes not yet counted (powering down): no plan to keep
  int examined = 0;
  for (size_t k = 1; k < queue_.size() && examined < s_.backfill_depth && free > 0; ++examined) {
    int j = queue_[k];
    const int need = jobs_[j].nodes;
    const bool ends_in_time = now_ + trace_.jobs[j].requested <= shadow;
    if (need <= free && (ends_in_time || need <= extra)) {
      queue_.erase(queue_.begin() + static_cast<long>(k));
      allocate(j);
      free = free_nodes();
      if (!ends_in_time) extra -= need;
    } else {
      ++k;
    }
  }
}

void Engine::allocate(int j) {
  SimJob& job = jobs_[j];
  job.held.clear();
  std::vector<int> to_power_up;
  while (static_cast<int>(job.held.size()) < job.nodes && !idle_.empty()) {
    auto it = std::prev(idle_.end());
    int n = it->second;
    idle_.erase(it);
    nodes_[n].state = NodeState::kBusy;
    nodes_[n].job = j;
    ++nodes_[n].gen;
    job.held.push_back(n);
  }
  while (static_cast<int>(job.held.size() + to_power_up.size()) < job.nodes && power_saving() && !saved_.empty()) {
    to_power_up.push_back(saved_.back());
    saved_.pop_back();
  }
  busy_ += job.nodes;
  job.pending_boots = 0;
  int64_t ready = now_;
  if (!to_power_up.empty()) {
    // Slurm calls the resume program, which turns node names into launch batches with the core.
    std::vector<std::string> names;
    names.reserve(to_power_up.size());
    for (int n : to_power_up) names.push_back(node_name(n));
    core::LaunchPlan plan = core::plan_launch(names, manager_settings_.queues, s_.launch_batch_size,
                                              core::LaunchPurpose::kResume);
    result_.api_calls += static_cast<int64_t>(plan.batches.size());
    bool failed = !plan.rejected.empty();
    for (int n : to_power_up) {
      nodes_[n].job = j;
      job.held.push_back(n);
      if (!failed && launch(n)) {
        ++job.pending_boots;
        ready = std::max(ready, nodes_[n].boot_done);
      } else {
        failed = true;
      }
    }
    if (failed) {
      requeue(j);
      return;
    }
  }
  job.in_running = true;
  job.running = running_.emplace(ready + trace_.jobs[j].requested, job.nodes);
  if (job.pending_boots == 0) {
    start_job(j);
  } else {
    job.boot_wait = true;
  }
}

void Engine::requeue(int j) {
  // Slurm requeues a job whose nodes failed to resume; the nodes that did launch keep booting
  // and join as idle nodes.
  SimJob& job = jobs_[j];
  job.requeued = true;
  busy_ -= job.nodes;
  for (int n : job.held) {
    SimNode& node = nodes_[n];
    node.job = -1;
    if (node.state == NodeState::kBusy) make_idle(n);
    if (node.state == NodeState::kSaved) saved_.push_back(n);  // not launched after the failure
  }
  job.held.clear();
  job.pending_boots = 0;
  if (job.in_running) running_.erase(job.running);
  job.in_running = false;
  queue_.push_front(j);
  // Without a pause the pass would retry at once and turn every power-saved node into a failed
  // one in the same second; the requeued job is eligible again after one loop.
  job.not_before = now_ + s_.loop_time_s;
  push(job.not_before, EventType::kWake);
  ensure_tick();
}

void Engine::start_job(int j) {
  SimJob& job = jobs_[j];
  job.start = now_;
  const TraceJob& tj = trace_.jobs[j];
  if (job.in_running) running_.erase(job.running);
  job.running = running_.emplace(now_ + tj.requested, job.nodes);
  job.in_running = true;
  outcomes_.push_back({now_ - tj.submit, tj.run});
  result_.wait_by_job[static_cast<size_t>(j)] = now_ - tj.submit;
  // A job held up by a failed launch waited for the cloud as much as one that waited for a boot,
  // even when it starts on idle nodes a loop later: both count, for every policy (counting only
  // boots made failures look like fewer waits) and for the feedback.
  const bool waited_for_the_cloud = job.boot_wait || job.requeued;
  if (waited_for_the_cloud) ++result_.boot_wait_jobs;
  if (policy_ == Policy::kEbbflow) core::feedback_on_start(feedback_, now_, waited_for_the_cloud, s_.ebbflow);
  push(now_ + tj.run, EventType::kJobEnd, j);
}

void Engine::on_job_end(int j) {
  SimJob& job = jobs_[j];
  if (job.in_running) running_.erase(job.running);
  job.in_running = false;
  busy_ -= job.nodes;
  if (policy_ == Policy::kEbbflow) core::feedback_on_end(feedback_, now_, j, now_ - job.start, s_.ebbflow);
  for (int n : job.held) {
    nodes_[n].job = -1;
    make_idle(n);
  }
  job.held.clear();
  job.held.shrink_to_fit();
}

void Engine::on_boot_done(int n) {
  SimNode& node = nodes_[n];
  if (node.job < 0) {
    make_idle(n);
    return;
  }
  node.state = NodeState::kBusy;
  ++node.gen;
  SimJob& job = jobs_[node.job];
  if (--job.pending_boots == 0) start_job(node.job);
}

// --- idle nodes and scale-down -----------------------------------------------------------

void Engine::make_idle(int n) {
  SimNode& node = nodes_[n];
  node.state = NodeState::kIdle;
  node.idle_since = now_;
  ++node.gen;
  idle_.emplace(now_, n);
  switch (policy_) {
    case Policy::kPcluster3:
      // Slurm's power saving: SuspendTime seconds of idleness.
      if (s_.scaledown_idletime_s >= 0) push(now_ + s_.scaledown_idletime_s, EventType::kIdleTimer, n, node.gen);
      break;
    case Policy::kEbbflow:
      ensure_tick();
      break;
    case Policy::kPcluster2: {
      // nodewatcher counts 60 s loops without jobs from its own phase (the node's boot), asks to
      // terminate at the ScaledownIdletime-th one, then holds a 15 s lock.
      const int64_t loops = std::max<int64_t>(1, (s_.scaledown_idletime_s + s_.loop_time_s - 1) / s_.loop_time_s);
      const int64_t phase = node.boot_done % s_.loop_time_s;
      int64_t first = next_multiple(now_ + 1 - phase, s_.loop_time_s) + phase;
      push(first + (loops - 1) * s_.loop_time_s + 15, EventType::kIdleTimer, n, node.gen);
      break;
    }
    default: break;
  }
}

void Engine::on_idle_timer(int n) {
  if (policy_ == Policy::kPcluster2) {
    if (!queue_.empty()) {
      // v2 does not scale down while jobs are pending: the idle count starts again.
      const int64_t loops = std::max<int64_t>(1, (s_.scaledown_idletime_s + s_.loop_time_s - 1) / s_.loop_time_s);
      push(now_ + loops * s_.loop_time_s, EventType::kIdleTimer, n, nodes_[n].gen);
      return;
    }
    idle_.erase({nodes_[n].idle_since, n});
    terminate(n);
    ++result_.api_calls;  // TerminateInstanceInAutoScalingGroup
    nodes_[n].state = NodeState::kSaved;
    ++nodes_[n].gen;
    saved_.push_back(n);
    return;
  }
  power_down(n);
}

void Engine::power_down(int n) {
  SimNode& node = nodes_[n];
  if (node.state == NodeState::kIdle) idle_.erase({node.idle_since, n});
  attention_.erase(n);
  node.state = NodeState::kPoweringDown;
  node.reason.clear();
  ++node.gen;
  if (node.instance >= 0) attention_.insert(n);
  push(now_ + s_.suspend_timeout_s, EventType::kPowerDownDone, n, node.gen);
  ensure_tick();
}

void Engine::on_power_down_done(int n) {
  SimNode& node = nodes_[n];
  if (node.instance >= 0) terminate(n);  // clustermgtd normally did this already
  node.state = NodeState::kSaved;
  ++node.gen;
  saved_.push_back(n);
}

void Engine::ensure_tick() {
  if (tick_pending_ || !power_saving()) return;
  tick_pending_ = true;
  push(next_multiple(now_ + 1, s_.loop_time_s), EventType::kTick);
}

void Engine::on_tick() {
  tick_pending_ = false;
  if (policy_ == Policy::kEbbflow && !idle_.empty()) {
    std::vector<int64_t> since;
    std::vector<int> who;
    since.reserve(idle_.size());
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      since.push_back(it->first);
      who.push_back(it->second);
    }
    std::vector<core::ExpectedFreeUp> soon;  // only the running jobs the horizon can reach
    if (s_.ebbflow.freeup_horizon > 0) {
      for (auto it = running_.lower_bound({now_, 0});
           it != running_.end() && it->first <= now_ + s_.ebbflow.freeup_horizon; ++it)
        soon.push_back({it->first, it->second});
    }
    const core::ScaleDownSettings rule = core::with_feedback(s_.ebbflow, feedback_);
    for (size_t i : core::choose_nodes_to_release(since, arrivals_, now_, rule, soon)) power_down(who[i]);
  }
  run_clustermgtd();
  if ((policy_ == Policy::kEbbflow && !idle_.empty()) || !attention_.empty() ||
      !manager_state_.insufficient_capacity.empty()) {
    tick_pending_ = true;
    push(now_ + s_.loop_time_s, EventType::kTick);
  }
}

// --- ParallelCluster 2: jobwatcher -------------------------------------------------------

void Engine::on_jobwatcher() {
  jobwatcher_pending_ = false;
  if (queue_.empty()) return;
  int pending = 0;
  for (int j : queue_) pending += jobs_[j].nodes;
  const int desired = alive_;  // the group's desired capacity: every instance it holds
  const int required = busy_ + pending;
  if (required > desired) {
    int requested = std::min(required, s_.max_nodes);
    ++result_.api_calls;  // UpdateAutoScalingGroup
    // The queued jobs now wait for these boots (a share comparable with the queue-mode policies).
    for (int j : queue_) jobs_[j].boot_wait = true;
    for (int k = desired; k < requested && !saved_.empty(); ++k) {
      int n = saved_.back();
      saved_.pop_back();
      if (!launch(n)) {
        nodes_[n].state = NodeState::kSaved;
        saved_.push_back(n);
        break;  // the group retries on its own at the next loop
      }
    }
  }
  jobwatcher_pending_ = true;
  push(now_ + s_.loop_time_s, EventType::kJobwatcher);
}

// --- cloud ---------------------------------------------------------------------------------

bool Engine::launch(int n) {
  SimNode& node = nodes_[n];
  bool ice = false;
  for (const auto& [a, b] : s_.cloud.ice_periods)
    if (now_ >= a && now_ < b) ice = true;
  const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
  const bool fails = ice || u < s_.cloud.launch_failure_rate;
  if (policy_ == Policy::kEbbflow) core::feedback_on_launch(feedback_, 1, fails ? 1 : 0, s_.ebbflow);
  if (fails) {
    ++result_.launch_failures;
    if (power_saving()) {
      // The resume program reports the failure; Slurm marks the node down and power-saved.
      node.state = NodeState::kDown;
      node.reason = std::string("(Code:") + (ice ? "InsufficientInstanceCapacity" : "InternalError") +
                    ")Failure when resuming nodes";
      node.job = -1;
      ++node.gen;
      attention_.insert(n);
      ensure_tick();
    }
    return false;
  }
  int64_t boot = s_.cloud.boot_time_s;
  if (s_.cloud.boot_jitter_s > 0)
    boot += std::uniform_int_distribution<int64_t>(-s_.cloud.boot_jitter_s, s_.cloud.boot_jitter_s)(rng_);
  boot = std::max<int64_t>(0, boot);
  node.state = NodeState::kBooting;
  ++node.gen;
  node.instance = next_instance_++;
  node.launch_time = now_;
  node.boot_s = boot;
  node.boot_done = now_ + boot;
  ++alive_;
  ++result_.launches;
  result_.peak_nodes = std::max(result_.peak_nodes, alive_);
  if (power_saving()) node_of_instance_[instance_id(node.instance)] = n;
  push(node.boot_done, EventType::kBootDone, n, node.gen);
  return true;
}

void Engine::terminate(int n) {
  SimNode& node = nodes_[n];
  if (node.instance < 0) return;
  const int64_t lived = now_ - node.launch_time;
  billed_s_ += static_cast<double>(std::max(lived, s_.cloud.min_billing_s));
  boot_s_ += static_cast<double>(std::min(lived, node.boot_s));
  if (power_saving()) node_of_instance_.erase(instance_id(node.instance));
  if (node.state == NodeState::kPoweringDown) attention_.erase(n);
  node.instance = -1;
  --alive_;
  ++result_.terminations;
}

}  // namespace ebbflow::sim
