// SgeScheduler: SGE commands for the traditional-mode daemons; see sge_scheduler.h.
//
// Failure policy: a query that cannot run, times out or exits non-zero is kUnavailable (the
// daemons then treat the answer as unknown: never "down", never "idle"). Output that is not the
// XML qstat prints is kInvalidInput naming the command. Host updates never throw an error at the
// caller: each host ends up in succeeded or failed, with a message for each failure.
#include "scheduler/sge/sge_scheduler.h"

#include <algorithm>

#include "scheduler/sge/host_name.h"

namespace ebbflow::sge {
namespace {

// Queue-instance states (qstat(1)): jobs run or are held there (busy), our own lock, gone
// from the configuration, and what nodewatcher treats as a broken host.
constexpr const char* kBusyStates = "CsDEP";
constexpr const char* kDisabledState = "d";
constexpr const char* kOrphanedState = "o";
constexpr const char* kErrorStates = "uEo";
// Pending-job states that more nodes cannot help: held, error.
constexpr const char* kUnhelpableJobStates = "hE";

std::string first_line(const std::string& s) {
  size_t start = s.find_first_not_of(" \r\n\t");
  if (start == std::string::npos) return {};
  size_t nl = s.find('\n', start);
  return s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
}

std::string combined(const CommandOutput& out) { return out.out + "\n" + out.err; }

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

bool qmaster_unreachable(const std::string& text) {
  return contains(text, "unable to contact qmaster") || contains(text, "commlib error") ||
         contains(text, "unable to send message to qmaster");
}

}  // namespace

SgeScheduler::SgeScheduler(CommandRunner& runner, SgeSettings settings)
    : runner_(runner), settings_(std::move(settings)) {}

CommandSpec SgeScheduler::spec(std::vector<std::string> argv) const {
  CommandSpec s;
  s.argv = std::move(argv);
  if (!settings_.bin_dir.empty()) s.argv[0] = settings_.bin_dir + "/" + s.argv[0];
  s.env = settings_.env;
  s.timeout = settings_.timeout;
  return s;
}

Result<CommandOutput> SgeScheduler::run(std::vector<std::string> argv) {
  CommandSpec s = spec(std::move(argv));
  auto result = runner_.run(s);
  if (!result.ok()) {
    return make_error(ErrorKind::kUnavailable, result.error().code,
                      describe_argv(s.argv) + ": " + result.error().message);
  }
  return result;
}

Result<std::string> SgeScheduler::query(std::vector<std::string> argv) {
  const std::string what = describe_argv(spec(argv).argv);
  auto result = run(std::move(argv));
  if (!result.ok()) return result.error();
  if (result->exit_code != 0) {
    std::string why = first_line(result->err);
    if (why.empty()) why = first_line(result->out);
    return make_error(ErrorKind::kUnavailable, "CommandFailed",
                      what + " exited " + std::to_string(result->exit_code) + ": " + why);
  }
  return std::move(result->out);
}

namespace {
std::vector<std::string> qstat_argv(std::initializer_list<std::string> extra) {
  std::vector<std::string> argv{"qstat", "-xml", "-g", "dt", "-u", "*"};
  argv.insert(argv.end(), extra);
  return argv;
}
}  // namespace

Result<std::vector<SgeHost>> SgeScheduler::hosts() {
  auto argv = qstat_argv({"-f"});
  auto out = query(argv);
  if (!out.ok()) return out.error();
  return parse_qstat_hosts(*out, describe_argv(argv));
}

Result<std::vector<SgeJob>> SgeScheduler::pending_jobs() {
  auto argv = qstat_argv({"-s", "p"});
  auto out = query(argv);
  if (!out.ok()) return out.error();
  return parse_qstat_jobs(*out, describe_argv(argv));
}

Result<int> SgeScheduler::busy_nodes() {
  auto all = hosts();
  if (!all.ok()) return all.error();
  int busy = 0;
  for (const SgeHost& h : *all) {
    if (h.queue != settings_.queue) continue;
    if (has_any_state(h.state, kDisabledState)) continue;  // locked: being terminated
    if (has_any_state(h.state, kOrphanedState)) continue;  // no longer in the cluster
    if (has_any_state(h.state, kBusyStates) || h.slots_used > 0 || h.slots_resv > 0) ++busy;
  }
  return busy;
}

std::vector<SgeJob> SgeScheduler::helpful_pending(const std::vector<SgeJob>& jobs,
                                                  const sched::NodeCapacity& node,
                                                  int max_size) const {
  std::vector<SgeJob> out;
  const long long max_slots = static_cast<long long>(std::max(max_size, 0)) * node.slots;
  for (const SgeJob& job : jobs) {
    if (has_any_state(job.state, kUnhelpableJobStates)) continue;
    if (job.slots > max_slots) continue;  // even a full-size cluster cannot start it
    out.push_back(job);
  }
  return out;
}

Result<int> SgeScheduler::required_nodes(const sched::NodeCapacity& node, int max_size) {
  if (node.slots < 1) {
    return make_error(ErrorKind::kInvalidInput, "InvalidSlots",
                      "node capacity must have at least one slot, got " + std::to_string(node.slots));
  }
  auto jobs = pending_jobs();
  if (!jobs.ok()) return jobs.error();
  long long slots = 0;
  for (const SgeJob& job : helpful_pending(*jobs, node, max_size)) {
    slots += static_cast<long long>(job.slots) * job.task_count();
  }
  // SGE packs slots, not nodes (reference 2.3: no bin packing for SGE).
  return static_cast<int>((slots + node.slots - 1) / node.slots);
}

Result<bool> SgeScheduler::has_pending_jobs(const sched::NodeCapacity& node, int max_size) {
  auto jobs = pending_jobs();
  if (!jobs.ok()) return jobs.error();
  return !helpful_pending(*jobs, node, max_size).empty();
}

// Runs the per-host query (`-l hostname=<short>`, as ParallelCluster did: the qmaster filters);
// if it fails, the same query for every host, filtered here. How SGE answers a -l hostname=
// for a host it cannot resolve is not what this adapter should bet a node's life on: a host
// that is simply absent must come out as "absent", not "unknown" for ever.
Result<std::string> SgeScheduler::per_host_query(std::vector<std::string> argv, const std::string& hostname,
                                                 std::string* command) {
  // -l goes where ParallelCluster put it: after -f, before -s.
  std::vector<std::string> filtered = argv;
  auto at = std::find(filtered.begin(), filtered.end(), "-s");
  filtered.insert(at, {"-l", "hostname=" + sched::short_host_name(hostname)});
  *command = describe_argv(filtered);
  auto out = query(filtered);
  if (out.ok()) return out;
  if (out.error().code == "Timeout" || out.error().code == "SpawnFailed") return out.error();
  *command = describe_argv(argv);
  auto all = query(argv);
  if (!all.ok()) return out.error();  // the first failure says more
  return all;
}

Result<bool> SgeScheduler::has_jobs(const std::string& hostname) {
  if (Status v = sched::validate_host_name(hostname); !v.ok()) return v.error();
  std::string command;
  auto out = per_host_query(qstat_argv({"-s", "rs"}), hostname, &command);
  if (!out.ok()) return out.error();
  auto jobs = parse_qstat_jobs(*out, command);
  if (!jobs.ok()) return jobs.error();
  for (const SgeJob& job : *jobs) {
    if (sched::same_host(job.host, hostname)) return true;
  }
  return false;
}

Result<sched::NodeHealth> SgeScheduler::node_health(const std::string& hostname) {
  if (Status v = sched::validate_host_name(hostname); !v.ok()) return v.error();
  std::string command;
  auto out = per_host_query(qstat_argv({"-f"}), hostname, &command);
  if (!out.ok()) return out.error();
  auto all = parse_qstat_hosts(*out, command);
  if (!all.ok()) return all.error();
  for (const SgeHost& h : *all) {
    if (h.queue != settings_.queue || !sched::same_host(h.name, hostname)) continue;
    return has_any_state(h.state, kErrorStates) ? sched::NodeHealth::kDown : sched::NodeHealth::kUp;
  }
  return sched::NodeHealth::kMissing;
}

Status SgeScheduler::lock_host(const std::string& hostname) { return qmod("-d", hostname); }

Status SgeScheduler::unlock_host(const std::string& hostname) { return qmod("-e", hostname); }

// qmod -d|-e <queue>@<host>. Repeating a lock/unlock succeeds; a host the qmaster does not
// know is kNotFound; an unreachable qmaster is kUnavailable.
Status SgeScheduler::qmod(const std::string& flag, const std::string& hostname) {
  if (Status v = sched::validate_host_name(hostname); !v.ok()) return v;
  std::vector<std::string> argv{"qmod", flag, settings_.queue + "@" + hostname};
  const std::string what = describe_argv(spec(argv).argv);
  auto out = run(argv);
  if (!out.ok()) return out.error();
  const std::string text = combined(*out);
  if (out->exit_code == 0 || contains(text, "already in the specified state")) return {};
  ErrorKind kind = qmaster_unreachable(text) ? ErrorKind::kUnavailable
                   : contains(text, "invalid queue") || contains(text, "does not exist")
                       ? ErrorKind::kNotFound
                       : ErrorKind::kInvalidInput;
  std::string why = first_line(out->err).empty() ? first_line(out->out) : first_line(out->err);
  return make_error(kind, "CommandFailed",
                    what + " exited " + std::to_string(out->exit_code) + ": " + why);
}

}  // namespace ebbflow::sge
