#include "daemons/clustermgtd.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <unordered_set>

#include "core/cluster_manager.h"
#include "core/launch_plan.h"
#include "daemons/job_arrivals.h"
#include "daemons/launcher.h"

namespace ebbflow::daemons {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

core::InstanceHealth to_health(const aws::InstanceStatus& s) {
  core::InstanceHealth h;
  h.instance_id = s.instance_id;
  auto impaired_since = [](const aws::InstanceStatusSummary& sum) {
    int64_t since = 0;
    for (const auto& d : sum.details)
      if (d.impaired_since > 0 && (since == 0 || d.impaired_since < since)) since = d.impaired_since;
    return since;
  };
  h.instance_impaired = s.instance_status.status == "impaired";
  h.instance_impaired_since = impaired_since(s.instance_status);
  h.system_impaired = s.system_status.status == "impaired";
  h.system_impaired_since = impaired_since(s.system_status);
  for (const auto& e : s.events) h.scheduled_events.push_back(e.code);
  return h;
}

}  // namespace

// The warm pool's job history: squeue's jobs recorded into the saved history (unless dry_run),
// their starts and ends reported to the boot-wait feedback; `rule` gets the feedback's pool scale.
// An error (squeue or its output) means no release this loop: the rule would size the pool blind.
Result<std::vector<core::Arrival>> update_arrivals(slurm::SlurmClient& slurm, store::StateStore& store, int64_t now,
                                                   core::ScaleDownSettings& rule, bool dry_run,
                                                   const EventLog& events) {
  auto out = slurm.squeue_raw(job_submits_squeue_args());
  if (!out.ok()) return out.error();
  auto jobs = parse_job_submits(*out);
  if (!jobs.ok()) return jobs.error();
  ArrivalHistory history;
  auto saved = store.get("job_arrivals");
  if (saved.ok() && saved->has_value()) {
    auto parsed = arrival_history_from_json(**saved);
    if (parsed.ok()) {
      history = std::move(*parsed);
    } else if (!dry_run) {
      events.write({now, "clustermgtd", "warm-pool", "note",
                    "saved job history unreadable, starting a new one: " + parsed.error().describe(), {}, {}, "error"});
    }
  }
  if (auto counts = store.launch_counts(); counts.ok())  // else the rate seen so far stays
    record_launches(history, counts->nodes_launched, counts->nodes_failed, rule);
  record_jobs(history, *jobs, now, rule);
  rule = core::with_feedback(rule, history.feedback);
  rule.recorded_since = history.recorded_since;
  if (!dry_run) {
    if (auto st = store.put("job_arrivals", arrival_history_to_json(history)); !st.ok()) return st.error();
  }
  return std::move(history.arrivals);
}

Status write_heartbeat(const std::string& path, int64_t now) {
  return write_file_atomic(path, iso8601(now) + " " + std::to_string(now) + "\n", 0644);
}

Result<int64_t> read_heartbeat(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  auto space = text->rfind(' ');
  if (space == std::string::npos)
    return make_error(ErrorKind::kInvalidInput, "BadHeartbeat", path + ": expected '<time> <unix seconds>'");
  try {
    return static_cast<int64_t>(std::stoll(text->substr(space + 1)));
  } catch (...) {
    return make_error(ErrorKind::kInvalidInput, "BadHeartbeat", path + ": unreadable timestamp");
  }
}

void append_cloud_instances(std::vector<aws::Ec2Instance>&& page, std::vector<core::CloudInstance>& out) {
  // No reserve(size + page): growing to the exact size on every page moves the whole list each
  // time (quadratic over 83 pages at 100k nodes); push_back's doubling is amortised.
  for (auto& i : page)
    if (!i.private_ip.empty()) out.push_back(to_cloud_instance(std::move(i)));
}

core::ClusterSnapshot build_snapshot(std::vector<core::SlurmNode> nodes, const std::vector<slurm::PartitionInfo>& parts,
                                     std::vector<core::CloudInstance> instances,
                                     const std::vector<aws::InstanceStatus>* statuses,
                                     const std::vector<core::QueueSpec>& queues, int64_t now) {
  core::ClusterSnapshot snap;
  snap.now = now;
  auto managed = [&](const std::string& name) {
    for (const auto& q : queues)  // a handful of queues: a linear scan beats hashing every node's queue
      if (q.name == name) return true;
    return false;
  };
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), [&](const core::SlurmNode& n) { return !managed(n.queue); }),
              nodes.end());
  snap.nodes = std::move(nodes);
  for (const auto& p : parts)
    if (managed(p.name)) snap.partitions.push_back({p.name, p.state});
  snap.instances = std::move(instances);
  if (statuses) {
    std::vector<core::InstanceHealth> health;
    health.reserve(statuses->size());
    for (const auto& s : *statuses) health.push_back(to_health(s));
    snap.health = std::move(health);
  }
  return snap;
}

Result<core::ClusterSnapshot> observe_cluster(const ClusterContext& ctx, aws::Ec2Api& ec2, slurm::SlurmClient& slurm,
                                              int64_t now) {
  auto nodes = slurm.show_nodes();
  if (!nodes.ok()) return nodes.error();
  auto parts = slurm.show_partitions();
  if (!parts.ok()) return parts.error();
  // Each page is converted as it arrives: the full Ec2Instance list (tags and all) of a large
  // cluster is never held at once.
  std::vector<core::CloudInstance> instances;
  Status listed = ec2.describe_instances_by_page(compute_instance_filters(ctx.runtime.name),
                                                 [&](std::vector<aws::Ec2Instance>&& page) -> Status {
                                                   append_cloud_instances(std::move(page), instances);
                                                   return {};
                                                 });
  if (!listed.ok()) return listed.error();
  // Health is best effort: a failed read disables health checks for this iteration only.
  // Three filtered reads (as the original does) return only the instances with a problem,
  // instead of a status page for every running instance.
  std::vector<aws::InstanceStatus> statuses;
  std::unordered_set<std::string> seen;
  bool health_ok = true;
  for (const auto& filter : std::vector<aws::Filter>{
           {"instance-status.status", {"impaired"}},
           {"system-status.status", {"impaired"}},
           {"event.code", {"instance-reboot", "system-reboot", "system-maintenance", "instance-retirement",
                           "instance-stop"}}}) {
    auto page = ec2.describe_instance_status({filter}, {}, false);
    if (!page.ok()) {
      health_ok = false;
      break;
    }
    for (auto& s : *page)
      if (seen.insert(s.instance_id).second) statuses.push_back(std::move(s));
  }
  auto snap = build_snapshot(std::move(*nodes), *parts, std::move(instances), health_ok ? &statuses : nullptr,
                             queue_specs(ctx.config), now);
  snap.cloud_clock_offset = aws::process_clock_offset();  // as learnt from the replies just read
  return snap;
}

std::string iteration_outcome(const IterationReport& report) {
  if (!report.skipped_because.empty()) return report.observed ? "state_error" : "skipped";
  return report.actions_failed > 0 ? "actions_failed" : "ok";
}

IterationReport Clustermgtd::run_once(int64_t now, bool dry_run) {
  const auto started = std::chrono::steady_clock::now();
  IterationReport report = iterate(now, dry_run);
  // The heartbeat says "clustermgtd is alive", so it is written after every iteration, also one
  // skipped because Slurm or the cloud could not be read. ParallelCluster writes it only after a
  // complete iteration: a slurmctld outage longer than computemgtd's ClustermgtdTimeout then
  // makes every compute node see a stale heartbeat and an unreachable Slurm, and shut itself
  // down with its running jobs. Here an outage of Slurm or the cloud stops actions, not nodes.
  if (!dry_run) {
    if (auto hb = write_heartbeat(ctx_.paths.heartbeat(), now); !hb.ok())
      std::fprintf(stderr, "clustermgtd: heartbeat: %s\n", hb.error().describe().c_str());
  }
  if (metrics_ && !dry_run)
    metrics_->record_iteration(iteration_outcome(report),
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), now);
  return report;
}

void Clustermgtd::record_phase(const char* phase, std::chrono::steady_clock::time_point& since) {
  const auto t = std::chrono::steady_clock::now();
  if (metrics_) metrics_->record_phase(phase, std::chrono::duration<double>(t - since).count());
  since = t;
}

IterationReport Clustermgtd::iterate(int64_t now, bool dry_run) {
  IterationReport report;
  auto phase_start = std::chrono::steady_clock::now();
  auto state = store_.load_manager_state();
  if (!state.ok() && state.error().kind == ErrorKind::kInvalidInput && !dry_run) {
    // A corrupt saved state must not stop the manager (no heartbeat would make every compute
    // node shut itself down): keep the bad copy for a human and start from a clean state.
    auto bad = store_.get("manager_state");
    if (bad.ok() && bad->has_value()) (void)store_.put("manager_state.corrupt." + std::to_string(now), **bad);
    events_.write({now, "clustermgtd", "state", "reset-state",
                   "saved state unreadable, starting from a clean state: " + state.error().describe(), {}, {}, "error"});
    state = core::ManagerState{};
  }
  if (!state.ok()) {
    report.skipped_because = "cannot load state: " + state.error().describe();
    return report;
  }
  if (!dry_run) {
    auto request = store_.take_fleet_request();
    if (request.ok() && request->has_value()) {
      state->fleet = **request;
      events_.write({now, "clustermgtd", "fleet", "fleet-request", core::to_string(**request), {}, {}, "ok"});
    }
  }
  auto snap = observe_cluster(ctx_, ec2_, slurm_, now);
  if (!dry_run) record_phase("observe", phase_start);
  if (!snap.ok()) {
    report.skipped_because = snap.error().describe();
    if (!dry_run)
      events_.write({now, "clustermgtd", "observe", "skip-iteration",
                     "read failed, no action taken (clustermgtd stays alive: heartbeat written): " + snap.error().describe(), {}, {}, "error"});
    return report;
  }
  report.observed = true;
  core::ManagerSettings settings = manager_settings(ctx_.config);
  if (settings.warm_pool) {
    auto arrivals = update_arrivals(slurm_, store_, now, *settings.warm_pool, dry_run, events_);
    if (arrivals.ok()) {
      snap->arrivals = std::move(*arrivals);
      if (!dry_run) last_history_error_.clear();
    } else {
      settings.warm_pool.reset();  // no release on an unknown demand; the rest of the loop runs
      const std::string why = arrivals.error().describe();
      if (!dry_run && why != last_history_error_) {
        events_.write({now, "clustermgtd", "warm-pool", "note",
                       "job history not read, no idle node released until it is: " + why, {}, {}, "error"});
        last_history_error_ = why;
      }
    }
  }
  report.plan = core::decide_iteration(*snap, *state, settings);
  if (dry_run) return report;
  record_phase("decide", phase_start);

  core::ManagerState next = report.plan.next_state;
  if (auto st = store_.save_manager_state(next); !st.ok()) {
    report.skipped_because = "cannot save state: " + st.error().describe();
    return report;
  }
  for (const auto& n : report.plan.notes) {
    Event e{now, "clustermgtd", n.rule, "note", n.message, {}, {}, "ok"};
    if (!n.node.empty()) e.nodes = {n.node};
    events_.write(e);
  }
  for (const auto& action : report.plan.actions) {
    Status st = execute(action, now, next);
    Event e{now, "clustermgtd", action.rule, core::to_string(action.kind), action.reason, action.node_names,
            action.instance_ids, st.ok() ? "ok" : st.error().describe()};
    if (action.kind == core::ActionKind::kSetPartitionState) e.detail = {{"partition", action.partition}, {"state", action.state}};
    events_.write(e);
    if (!st.ok()) ++report.actions_failed;
  }
  (void)store_.save_manager_state(next);
  record_phase("act", phase_start);
  report.plan.next_state = next;
  return report;
}

Status Clustermgtd::execute(const core::Action& a, int64_t now, core::ManagerState& state) {
  using core::ActionKind;
  const auto& cm = ctx_.config.clustermgtd;
  slurm::NodeUpdate u;
  u.names = a.node_names;
  switch (a.kind) {
    case ActionKind::kTerminateInstances: {
      size_t batch = static_cast<size_t>(std::max(1, cm.terminate_max_batch_size));
      Status result;
      for (size_t i = 0; i < a.instance_ids.size(); i += batch) {
        std::vector<std::string> ids(a.instance_ids.begin() + static_cast<long>(i),
                                     a.instance_ids.begin() + static_cast<long>(std::min(a.instance_ids.size(), i + batch)));
        auto r = ec2_.terminate_instances(ids);
        if (metrics_) metrics_->record_terminations(a.rule, r.ok() ? "ok" : r.error().code, ids.size());
        if (!r.ok() && result.ok()) result = r.error();
      }
      return result;
    }
    case ActionKind::kSetNodesDown:
      u.state = "down";
      u.reason = a.reason;
      break;
    case ActionKind::kDrainNodes:
      u.state = "drain";
      u.reason = a.reason;
      break;
    case ActionKind::kReleaseIdleNodes:
      u.state = "power_down";  // not _force: a node that got a job meanwhile keeps it
      break;
    case ActionKind::kPowerDownNodes:
      u.state = "power_down_force";
      u.reason = a.reason;
      u.addrs = a.node_names;
      u.hostnames = a.node_names;
      break;
    case ActionKind::kResetNodeAddrs:
      u.addrs = a.node_names;
      u.hostnames = a.node_names;
      break;
    case ActionKind::kResetNodesDown:
      u.state = "down";
      u.reason = a.reason;
      u.addrs = a.node_names;
      u.hostnames = a.node_names;
      break;
    case ActionKind::kResumeNodes:
      u.state = "resume";
      break;
    case ActionKind::kSetPartitionState:
      return slurm_.set_partition_state(a.partition, a.state);
    case ActionKind::kLaunchNodes: {
      auto plan = core::plan_launch(a.node_names, queue_specs(ctx_.config), cm.launch_max_batch_size,
                                    core::LaunchPurpose::kStaticReplacement);
      LaunchOptions opts;
      opts.component = "clustermgtd";
      LaunchResult r = launch_and_bind(ctx_, ec2_, slurm_, store_, events_, plan, opts);
      for (const auto& [name, id] : r.bound) state.replacing[name] = now;
      if (metrics_ && !r.bound.empty()) metrics_->record_launches(a.rule, "ok", r.bound.size());
      std::string failures;
      for (const auto& [code, names] : r.failed) {
        if (metrics_) metrics_->record_launches(a.rule, code, names.size());
        for (const auto& n : names) state.replacing.erase(n);  // retried next iteration
        failures += (failures.empty() ? "" : "; ") + code + ": " + std::to_string(names.size()) + " node(s)";
      }
      if (!failures.empty()) return make_error(ErrorKind::kBackOff, "LaunchFailed", failures);
      return {};
    }
  }
  return slurm_.update_nodes(u, static_cast<size_t>(std::max(1, cm.update_node_batch_size)));
}

void tune_allocator_for_iterations() {
  mallopt(M_MMAP_MAX, 0);                 // every block from the heap, reused across iterations
  mallopt(M_TRIM_THRESHOLD, 1 << 30);     // never give the heap top back between iterations
  mallopt(M_TOP_PAD, 64 << 20);           // grow the heap in 64 MB steps (fewer brk calls)
}

int run_clustermgtd_loop(const std::string& cluster_root, bool once) {
  tune_allocator_for_iterations();
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  auto ctx = load_cluster(cluster_root);
  if (!ctx.ok()) {
    std::fprintf(stderr, "clustermgtd: %s\n", ctx.error().describe().c_str());
    return 2;
  }
  auto store = store::StateStore::open(ctx->paths.state_db());
  if (!store.ok()) {
    std::fprintf(stderr, "clustermgtd: %s\n", store.error().describe().c_str());
    return 2;
  }
  EventLog events(ctx->paths.events());
  SubprocessRunner subprocess;
  // Metrics continue from the saved counters (monotonic across restarts); the dashboard reads
  // the file this loop rewrites after every iteration (metrics_registry.h).
  DaemonMetrics metrics;
  const std::string metrics_file = clustermgtd_metrics_path(ctx->paths.root);
  if (auto saved = read_file(metrics_file); saved.ok()) metrics.merge_json(nlohmann::json::parse(*saved, nullptr, false));
  aws::set_process_call_observer([&metrics](const aws::AwsCallRecord& r) {
    metrics.record_cloud_call(r);
    if (r.clock_corrected)
      std::fprintf(stderr,
                   "clustermgtd: %s refused %s as signed at the wrong time; its clock is %+lld s from this "
                   "host's: signing with that offset from now on\n",
                   r.service.c_str(), r.action.c_str(), static_cast<long long>(r.clock_offset_seconds));
  });
  struct ClearObserver {
    ~ClearObserver() { aws::set_process_call_observer({}); }
  } clear_observer;
  CountingCommandRunner runner(subprocess, metrics);
  while (!g_stop) {
    auto started = std::chrono::steady_clock::now();
    // Re-read the configuration each iteration; keep the previous one if the new one is broken.
    auto fresh = config::load_cluster_config_file(ctx->paths.config());
    if (fresh.config) ctx->config = std::move(*fresh.config);
    auto ec2 = make_ec2_client(*ctx);
    slurm::SlurmClient slurm(runner, {"/usr/bin", ctx->paths.slurm_conf()});
    Clustermgtd mgr(*ctx, *ec2, slurm, *store, events);
    mgr.set_metrics(&metrics);
    auto report = mgr.run_once(unix_now());
    if (auto st = write_file_atomic(metrics_file, metrics.to_json().dump() + "\n"); !st.ok())
      std::fprintf(stderr, "clustermgtd: metrics: %s\n", st.error().describe().c_str());
    if (!report.observed) std::fprintf(stderr, "clustermgtd: iteration skipped: %s\n", report.skipped_because.c_str());
    if (once) return report.observed ? 0 : 1;
    auto period = std::chrono::seconds(std::max(1, ctx->config.clustermgtd.loop_time_s));
    while (!g_stop && std::chrono::steady_clock::now() - started < period)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return 0;
}

}  // namespace ebbflow::daemons
