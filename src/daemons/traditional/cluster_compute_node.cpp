// `ebbflow compute-node` for a traditional-mode cluster (reference 3.1 and 4): learn who this
// instance is from IMDS, send the compute-ready message (signed with the instance-role
// credentials IMDS serves), start the scheduler's node daemon once the head node has added the
// host, then run nodewatcher until it terminates this instance (or SIGTERM: the instance is
// being terminated from outside).
//
// Slurm: the host's slot (see scheduler/slurm/traditional_slurm.h) is only known after
// sqswatcher bound it, so the order is READY -> wait for the slot -> slurmd -N <slot>.
// SGE: prepare the exec host (its namespace and address, daemons/sge/exec_host.h) -> READY ->
// wait until sqswatcher made it an admin host -> sge_execd (an execd started earlier gives up).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/imds_client.h"
#include "daemons/sge/exec_host.h"
#include "daemons/traditional/nodewatcher.h"
#include "daemons/traditional_mode.h"
#include "scheduler/slurm/traditional_slurm.h"

namespace ebbflow::daemons {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

void say(const std::string& instance, const std::string& text) {
  std::fprintf(stderr, "%s compute-node %s: %s\n", iso8601(unix_now()).c_str(), instance.c_str(), text.c_str());
  std::fflush(stderr);
}

void pause_ms(int ms) {
  for (int waited = 0; waited < ms && !g_stop; waited += 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

struct Identity {
  std::string instance_id;
  std::string local_hostname;  // full, as IMDS has it
  std::string hostname;        // short
  std::string instance_type;
};

Result<Identity> read_identity(aws::ImdsClient& imds, int timeout_s) {
  Identity id;
  Error last = make_error(ErrorKind::kRetry, "Imds", "IMDS did not answer");
  for (int elapsed = 0; elapsed < timeout_s * 1000 && !g_stop; elapsed += 500) {
    auto iid = imds.get("meta-data/instance-id", unix_now());
    auto host = imds.get("meta-data/local-hostname", unix_now());
    auto type = imds.get("meta-data/instance-type", unix_now());
    if (iid.ok() && host.ok() && type.ok()) {
      id.instance_id = *iid;
      id.local_hostname = *host;
      id.hostname = host->substr(0, host->find('.'));
      id.instance_type = *type;
      return id;
    }
    last = !iid.ok() ? iid.error() : !host.ok() ? host.error() : type.error();
    pause_ms(500);
  }
  return last;
}

// The compute-ready message, SNS-envelope shaped (reference 3.1, shared plan).
std::string ready_body(const ClusterContext& ctx, const Identity& id, int slots) {
  nlohmann::json inner = {{"StatusCode", "Complete"},
                          {"Description", "Succesfully launched " + id.instance_id},
                          {"Event", "parallelcluster:COMPUTE_READY"},
                          {"EC2InstanceId", id.instance_id},
                          {"Slots", std::to_string(slots)},
                          {"LocalHostname", id.local_hostname},
                          {"EC2InstanceType", id.instance_type}};
  nlohmann::json env = {{"Type", "Notification"},
                        {"MessageId", id.instance_id + "-ready-" + std::to_string(unix_now())},
                        {"TopicArn", events_topic_arn(ctx.runtime.region, ctx.runtime.name)},
                        {"Subject", "parallelcluster:COMPUTE_READY"},
                        {"Message", inner.dump()},
                        {"Timestamp", iso8601(unix_now())}};
  return env.dump();
}

Status send_ready(const ClusterContext& ctx, aws::SqsApi& sqs, const Identity& id, int slots) {
  Status last;
  for (int attempt = 0; attempt < 10 && !g_stop; ++attempt) {
    auto url = sqs.get_queue_url(events_queue_name(ctx.runtime.name));
    if (url.ok()) {
      auto sent = sqs.send_message(*url, ready_body(ctx, id, slots));
      if (sent.ok()) return {};
      last = sent.error();
    } else {
      last = url.error();
    }
    pause_ms(1000 * (attempt + 1));
  }
  return last.ok() ? make_error(ErrorKind::kGiveUp, "Stopped", "stopped before the ready message was sent") : last;
}

pid_t start_slurmd(const ClusterContext& ctx, const std::string& slot) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.paths.slurmd_spool_root() + "/" + slot, ec);
  pid_t pid = fork();
  if (pid == 0) {
    std::string conf = ctx.paths.slurm_conf();
    setenv("SLURM_CONF", conf.c_str(), 1);
    execl("/usr/sbin/slurmd", "slurmd", "-D", "-b", "-N", slot.c_str(), "-f", conf.c_str(), (char*)nullptr);
    _exit(127);
  }
  return pid;
}

void stop_child(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 50 && waitpid(pid, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

int run_traditional_compute_node(ClusterContext& ctx) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  auto imds = aws::ImdsClient::from_env(aws::process_env());
  if (!imds) {
    say("?", "IMDS is disabled (AWS_EC2_METADATA_DISABLED); cannot learn who I am");
    return 1;
  }
  auto id = read_identity(*imds, 60);
  if (!id.ok()) {
    say("?", "IMDS: " + id.error().describe());
    return 1;
  }
  say(id->instance_id, "I am " + id->hostname + " (" + id->instance_type + ")");
  (void)write_file_atomic(ctx.paths.run_dir() + "/node-" + id->instance_id, id->hostname + "\n", 0644);

  SubprocessRunner runner;
  auto scheduler = make_traditional_scheduler(ctx, runner);
  if (!scheduler.ok()) {
    say(id->instance_id, scheduler.error().describe());
    return 1;
  }
  auto sqs = make_sqs_client(ctx, /*instance_role=*/true);
  auto asg = make_autoscaling_client(ctx, /*instance_role=*/true);
  const sched::NodeCapacity capacity = node_capacity(ctx);
  const TraditionalLoops loops = traditional_loops(ctx);

  const bool sge = ctx.config.scheduler == "sge";
  std::optional<sge::ExecHost> exec_host;
  if (sge) {
    auto h = sge::prepare_exec_host(ctx.paths, id->hostname);
    if (!h.ok()) {
      say(id->instance_id, "cannot prepare the SGE exec host: " + h.error().describe());
      return 1;
    }
    exec_host = *h;
    say(id->instance_id, "SGE exec host " + h->hostname + " at " + h->ip);
  }
  if (auto st = send_ready(ctx, *sqs, *id, capacity.slots); !st.ok()) {
    say(id->instance_id, "could not send the ready message: " + st.error().describe());
    // Keep going: nodewatcher terminates a host the scheduler never learns about (down timeout).
  } else {
    say(id->instance_id, "ready message sent");
  }

  pid_t daemon_pid = -1;
  if (ctx.config.scheduler == "slurm") {
    slurm::TraditionalSlurm slurm(runner, {"/usr/bin", ctx.paths.slurm_conf()});
    // sqswatcher binds a slot within a loop or two; give it the down timeout.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
    std::string slot;
    while (!g_stop && std::chrono::steady_clock::now() < deadline) {
      auto s = slurm.slot_of(id->hostname);
      if (s.ok() && *s) {
        slot = (*s)->name;
        break;
      }
      pause_ms(1000);
    }
    if (!slot.empty()) {
      daemon_pid = start_slurmd(ctx, slot);
      say(id->instance_id, "added to Slurm as " + slot + "; slurmd pid " + std::to_string(daemon_pid));
    } else if (!g_stop) {
      say(id->instance_id, "never added to Slurm; nodewatcher will treat the host as missing");
    }
  }

  if (sge && !g_stop) {
    if (auto st = sge::wait_until_admin_host(ctx.paths, id->hostname, std::chrono::seconds(300)); !st.ok()) {
      say(id->instance_id, "never became an SGE admin host: " + st.error().describe());
    } else if (auto pid = sge::start_execd(ctx.paths, *exec_host); pid.ok()) {
      daemon_pid = *pid;
      say(id->instance_id, "sge_execd pid " + std::to_string(daemon_pid));
    } else {
      say(id->instance_id, "cannot start sge_execd: " + pid.error().describe());
    }
  }

  EventLog events(ctx.paths.events());
  NodewatcherSettings ns;
  ns.instance_id = id->instance_id;
  ns.hostname = id->hostname;
  ns.group_name = group_name(ctx.runtime.name);
  ns.scaledown_idletime_s = int64_t{ctx.config.auto_scaling_group->scaledown_idletime_min} * 60;
  ns.state_file = ctx.paths.run_dir() + "/nodewatcher-" + id->instance_id + ".json";
  ns.node = capacity;
  ns.loop_s = loops.nodewatcher_s;
  ns.settle_s = std::min<int64_t>(15, std::max(2, loops.nodewatcher_s));
  Nodewatcher nw(*asg, **scheduler, &events, ns);
  int rc = 0;
  while (!g_stop) {
    int64_t now = unix_now();
    auto outcome = nw.run_once(now);
    if (!outcome.ok()) {
      say(id->instance_id, "nodewatcher: " + outcome.error().describe());
      pause_ms(static_cast<int>(ns.loop_s * 1000));
      continue;
    }
    if (outcome->action != core::NodeAction::kNone)
      say(id->instance_id, std::string("nodewatcher: ") + core::to_string(outcome->action) +
                               (outcome->action_ok ? "" : " (failed)") + ": " + outcome->reason);
    if (outcome->terminated) {
      say(id->instance_id, "terminating this instance");
      break;
    }
    if (daemon_pid > 0) {
      int status = 0;
      if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
        say(id->instance_id, std::string(sge ? "sge_execd" : "slurmd") + " exited (status " + std::to_string(status) + ")");
        daemon_pid = -1;
      }
    }
    int64_t wait_s = std::max<int64_t>(1, outcome->next_check_at - unix_now());
    pause_ms(static_cast<int>(std::min<int64_t>(wait_s, ns.loop_s) * 1000));
  }
  stop_child(daemon_pid);
  if (sge) (void)sge::remove_exec_host(ctx.paths, id->hostname);  // its namespace, jobs, hosts line
  return rc;
}

}  // namespace ebbflow::daemons
