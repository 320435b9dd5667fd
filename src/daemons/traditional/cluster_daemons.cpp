// The head-node processes of traditional mode: `ebbflow jobwatcher` and `ebbflow sqswatcher`.
// Each builds real clients from the cluster folder, then runs its daemon's step once per loop
// period until SIGTERM (reference 1.4: a failing step is logged and the loop goes on, it never
// brings the process down).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "daemons/traditional/jobwatcher.h"
#include "daemons/traditional/sqswatcher.h"
#include "daemons/traditional_mode.h"

namespace ebbflow::daemons {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

void log_line(const char* daemon, const std::string& text) {
  std::fprintf(stderr, "%s %s: %s\n", iso8601(unix_now()).c_str(), daemon, text.c_str());
  std::fflush(stderr);
}

// Sleeps until `until` (steady clock) in short slices, so SIGTERM is honoured promptly.
void sleep_until(std::chrono::steady_clock::time_point until) {
  while (!g_stop && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

Result<ClusterContext> load_traditional(const std::string& root, const char* daemon) {
  auto ctx = load_cluster(root);
  if (!ctx.ok()) return ctx.error();
  if (ctx->config.queue_mode())
    return make_error(ErrorKind::kInvalidInput, "NotTraditional",
                      std::string(daemon) + " runs only for traditional-mode clusters (Scheduling.AutoScalingGroup)");
  return ctx;
}

}  // namespace

int run_jobwatcher_process(const std::string& root, bool once) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  auto ctx = load_traditional(root, "jobwatcher");
  if (!ctx.ok()) {
    log_line("jobwatcher", ctx.error().describe());
    return 1;
  }
  SubprocessRunner runner;
  auto scheduler = make_traditional_scheduler(*ctx, runner);
  if (!scheduler.ok()) {
    log_line("jobwatcher", scheduler.error().describe());
    return 1;
  }
  auto asg = make_autoscaling_client(*ctx);
  EventLog events(ctx->paths.events());
  JobwatcherSettings s;
  s.group_name = group_name(ctx->runtime.name);
  s.node = node_capacity(*ctx);
  s.loop_s = traditional_loops(*ctx).jobwatcher_s;
  Jobwatcher jw(*asg, **scheduler, &events, s);
  log_line("jobwatcher", "watching group " + s.group_name + " every " + std::to_string(s.loop_s) + " s");
  while (!g_stop) {
    auto next = std::chrono::steady_clock::now() + std::chrono::seconds(s.loop_s);
    auto st = jw.run_once(unix_now());
    const auto& step = jw.last_step();
    if (!st.ok()) {
      log_line("jobwatcher", "step failed: " + st.error().describe());
    } else {
      log_line("jobwatcher", "desired " + std::to_string(step.group.desired) + " busy " + std::to_string(step.busy) +
                                 " pending " + std::to_string(step.pending) + (step.applied ? " -> raised" : ""));
    }
    if (once) break;
    sleep_until(next);
  }
  return 0;
}

int run_sqswatcher_process(const std::string& root, bool once) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  auto ctx = load_traditional(root, "sqswatcher");
  if (!ctx.ok()) {
    log_line("sqswatcher", ctx.error().describe());
    return 1;
  }
  SubprocessRunner runner;
  auto scheduler = make_traditional_scheduler(*ctx, runner);
  if (!scheduler.ok()) {
    log_line("sqswatcher", scheduler.error().describe());
    return 1;
  }
  auto sqs = make_sqs_client(*ctx);
  auto db = make_dynamodb_client(*ctx);
  EventLog events(ctx->paths.events());
  SqswatcherSettings s;
  s.table = hosts_table_name(ctx->runtime.name);
  s.loop_s = traditional_loops(*ctx).sqswatcher_s;
  s.gpus_per_node = node_capacity(*ctx).gpus;
  if (ctx->runtime.traditional_loop_s > 0) {
    // Short loops (tests): retry failed events on the same time scale.
    s.retry.base_backoff_s = std::max(2, ctx->runtime.traditional_loop_s);
    s.visibility_timeout_s = std::max(10, 4 * ctx->runtime.traditional_loop_s);
    s.receive_wait_s = 1;
  }
  // The queue exists once `cluster create` got this far; a transient failure is retried.
  while (!g_stop && s.queue_url.empty()) {
    auto url = sqs->get_queue_url(events_queue_name(ctx->runtime.name));
    if (url.ok()) {
      s.queue_url = *url;
      break;
    }
    log_line("sqswatcher", "queue " + events_queue_name(ctx->runtime.name) + ": " + url.error().describe());
    if (once) return 1;
    sleep_until(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
  Sqswatcher sw(*sqs, *db, **scheduler, &events, s);
  log_line("sqswatcher", "watching " + s.queue_url + " every " + std::to_string(s.loop_s) + " s");
  while (!g_stop) {
    auto next = std::chrono::steady_clock::now() + std::chrono::seconds(s.loop_s);
    auto st = sw.run_once(unix_now());
    const auto& step = sw.last_step();
    if (!st.ok()) {
      log_line("sqswatcher", "step failed: " + st.error().describe());
    } else if (step.received > 0) {
      log_line("sqswatcher", "received " + std::to_string(step.received) + " added " + std::to_string(step.added) +
                                 " removed " + std::to_string(step.removed) + " retried " + std::to_string(step.retried) +
                                 " dropped " + std::to_string(step.dropped));
    }
    if (once) break;
    sleep_until(next);
  }
  return 0;
}

}  // namespace ebbflow::daemons
