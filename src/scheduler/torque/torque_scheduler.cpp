// TorqueScheduler: Torque commands for the traditional-mode daemons; see torque_scheduler.h.
//
// Failure policy as for SGE: a query that cannot run, times out or exits non-zero is
// kUnavailable (unknown, never "down" or "idle"); malformed XML is kInvalidInput naming the
// command; host updates report each host as succeeded or failed, never throw at the caller.
// The one "failure" that is an answer: pbsnodes saying "Unknown node" means the host is absent.
#include "scheduler/torque/torque_scheduler.h"

#include <algorithm>

#include "core/traditional/bin_packing.h"
#include "scheduler/sge/host_name.h"

namespace ebbflow::torque {
namespace {

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

std::string first_line(const std::string& s) {
  size_t start = s.find_first_not_of(" \r\n\t");
  if (start == std::string::npos) return {};
  size_t nl = s.find('\n', start);
  return s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

bool is_running(const TorqueJob& job) { return job.state == "R" || job.state == "S"; }

// Nodes a job spans: the nodes spec, else nodect, else 1.
long long job_nodes(const TorqueJob& job) {
  if (!job.nodes.empty()) {
    long long n = 0;
    for (const NodesPart& p : job.nodes) n += p.count;
    return n;
  }
  return job.nodect.value_or(1);
}

}  // namespace

TorqueScheduler::TorqueScheduler(CommandRunner& runner, TorqueSettings settings)
    : runner_(runner), settings_(std::move(settings)) {}

CommandSpec TorqueScheduler::spec(std::vector<std::string> argv) const {
  CommandSpec s;
  s.argv = std::move(argv);
  if (!settings_.bin_dir.empty()) s.argv[0] = settings_.bin_dir + "/" + s.argv[0];
  s.env = settings_.env;
  s.timeout = settings_.timeout;
  return s;
}

Result<CommandOutput> TorqueScheduler::run(std::vector<std::string> argv) {
  CommandSpec s = spec(std::move(argv));
  auto result = runner_.run(s);
  if (!result.ok()) {
    return make_error(ErrorKind::kUnavailable, result.error().code,
                      describe_argv(s.argv) + ": " + result.error().message);
  }
  return result;
}

Result<std::string> TorqueScheduler::query(std::vector<std::string> argv) {
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

Result<std::vector<TorqueNode>> TorqueScheduler::nodes() {
  std::vector<std::string> argv{"pbsnodes", "-x"};
  const std::string what = describe_argv(argv);
  auto out = run(argv);
  if (!out.ok()) return out.error();
  if (out->exit_code != 0) {
    // A server without any node says so and exits non-zero; that is an answer, not a failure.
    if (contains(out->out + out->err, "no node list")) return std::vector<TorqueNode>{};
    return make_error(ErrorKind::kUnavailable, "CommandFailed",
                      what + " exited " + std::to_string(out->exit_code) + ": " +
                          first_line(out->err + "\n" + out->out));
  }
  auto all = parse_pbsnodes(out->out, what);
  if (!all.ok()) return all.error();
  std::vector<TorqueNode> compute;
  for (TorqueNode& n : *all) {
    if (n.note != "MasterServer") compute.push_back(std::move(n));
  }
  return compute;
}

Result<std::vector<TorqueJob>> TorqueScheduler::jobs() {
  std::vector<std::string> argv{"qstat", "-t", "-x"};
  auto out = query(argv);
  if (!out.ok()) return out.error();
  return parse_qstat_jobs(*out, describe_argv(argv));
}

Result<int> TorqueScheduler::busy_nodes() {
  auto all = nodes();
  if (!all.ok()) return all.error();
  int busy = 0;
  for (const TorqueNode& n : *all) {
    if (!n.jobs.empty() || (n.has_state("state-unknown") && !n.has_state("MOM-list-not-sent"))) ++busy;
  }
  return busy;
}

std::vector<TorqueJob> TorqueScheduler::helpful_pending(const std::vector<TorqueJob>& jobs,
                                                        const sched::NodeCapacity& node,
                                                        int max_size) const {
  std::vector<TorqueJob> out;
  for (const TorqueJob& job : jobs) {
    if (job.state != "Q") continue;  // held jobs are H, waiting ones W: no node helps them
    bool fits = std::all_of(job.nodes.begin(), job.nodes.end(),
                            [&](const NodesPart& p) { return p.ppn <= node.slots; });
    if (job.nodes.empty() && job.ncpus && *job.ncpus > node.slots) fits = false;  // ncpus: one node
    if (job_nodes(job) > max_size) fits = false;
    if (fits) out.push_back(job);
  }
  return out;
}

Result<int> TorqueScheduler::required_nodes(const sched::NodeCapacity& node, int max_size) {
  if (node.slots < 1) {
    return make_error(ErrorKind::kInvalidInput, "InvalidSlots",
                      "node capacity must have at least one slot, got " + std::to_string(node.slots));
  }
  auto all = jobs();
  if (!all.ok()) return all.error();
  std::vector<core::NodeRequest> requests;
  for (const TorqueJob& job : helpful_pending(*all, node, max_size)) {
    if (!job.nodes.empty()) {
      for (const NodesPart& p : job.nodes) requests.push_back({p.count, {{"slots", p.ppn * p.count}}});
    } else if (job.ncpus) {
      requests.push_back({1, {{"slots", *job.ncpus}}});
    } else {
      // nodect, or nothing at all: the server's default of one node (the original skipped it).
      int n = job.nodect.value_or(1);
      requests.push_back({n, {{"slots", n}}});
    }
  }
  return core::optimal_node_count(requests, {{"slots", node.slots}});
}

Result<bool> TorqueScheduler::has_pending_jobs(const sched::NodeCapacity& node, int max_size) {
  auto all = jobs();
  if (!all.ok()) return all.error();
  return !helpful_pending(*all, node, max_size).empty();
}

Result<bool> TorqueScheduler::has_jobs(const std::string& hostname) {
  if (Status v = sched::validate_host_name(hostname); !v.ok()) return v.error();
  auto all = jobs();
  if (!all.ok()) return all.error();
  for (const TorqueJob& job : *all) {
    if (!is_running(job)) continue;
    for (const std::string& h : job.exec_hosts) {
      if (sched::same_host(h, hostname)) return true;
    }
  }
  return false;
}

Result<sched::NodeHealth> TorqueScheduler::node_health(const std::string& hostname) {
  if (Status v = sched::validate_host_name(hostname); !v.ok()) return v.error();
  std::vector<std::string> argv{"pbsnodes", "-x", sched::short_host_name(hostname)};
  const std::string what = describe_argv(spec(argv).argv);
  auto out = run(argv);
  if (!out.ok()) return out.error();
  if (contains(out->out + out->err, "Unknown node")) return sched::NodeHealth::kMissing;
  if (out->exit_code != 0) {
    return make_error(ErrorKind::kUnavailable, "CommandFailed",
                      what + " exited " + std::to_string(out->exit_code) + ": " +
                          first_line(out->err + "\n" + out->out));
  }
  auto all = parse_pbsnodes(out->out, what);
  if (!all.ok()) return all.error();
  for (const TorqueNode& n : *all) {
    if (!sched::same_host(n.name, hostname)) continue;
    bool broken = n.has_state("down") || n.has_state("state-unknown") || n.has_state("unknown");
    return broken ? sched::NodeHealth::kDown : sched::NodeHealth::kUp;
  }
  return sched::NodeHealth::kMissing;
}

Status TorqueScheduler::lock_host(const std::string& hostname) { return pbsnodes_mark("-o", hostname); }

Status TorqueScheduler::unlock_host(const std::string& hostname) { return pbsnodes_mark("-c", hostname); }

// pbsnodes -o|-c <short>: kNotFound for a node the server does not know; any other failure is
// kUnavailable (the caller keeps the node as it is and tries again later).
Status TorqueScheduler::pbsnodes_mark(const std::string& flag, const std::string& hostname) {
  if (Status v = sched::validate_host_name(hostname); !v.ok()) return v;
  std::vector<std::string> argv{"pbsnodes", flag, sched::short_host_name(hostname)};
  const std::string what = describe_argv(spec(argv).argv);
  auto out = run(argv);
  if (!out.ok()) return out.error();
  if (out->exit_code == 0) return {};
  const std::string text = out->err + "\n" + out->out;
  return make_error(contains(text, "Unknown node") ? ErrorKind::kNotFound : ErrorKind::kUnavailable,
                    "CommandFailed", what + " exited " + std::to_string(out->exit_code) + ": " + first_line(text));
}

QmgrOutcome TorqueScheduler::qmgr_nodes(const std::string& statement_prefix,
                                        const std::vector<std::string>& hosts,
                                        const std::string& suffix,
                                        const std::vector<std::string>& ignored) {
  QmgrOutcome outcome;
  if (hosts.empty()) return outcome;
  auto out = run({"qmgr", "-c", statement_prefix + join(hosts) + suffix});
  std::string why;
  if (!out.ok()) {
    why = out.error().message;
  } else if (out->exit_code != 0 && first_line(out->out + "\n" + out->err).empty()) {
    why = "qmgr exited " + std::to_string(out->exit_code) + " without a message";
  } else {
    return parse_qmgr_reply(hosts, out->out + "\n" + out->err, ignored);
  }
  outcome.failed = hosts;
  for (const std::string& h : hosts) outcome.messages.push_back(h + ": " + why);
  return outcome;
}

namespace {
void take(const QmgrOutcome& o, sched::HostUpdateResult& result) {
  result.succeeded.insert(result.succeeded.end(), o.succeeded.begin(), o.succeeded.end());
  result.failed.insert(result.failed.end(), o.failed.begin(), o.failed.end());
  result.messages.insert(result.messages.end(), o.messages.begin(), o.messages.end());
}
}  // namespace

sched::HostUpdateResult TorqueScheduler::add_hosts(const std::vector<sched::Host>& hosts) {
  sched::HostUpdateResult result;
  // `create node` takes one np for all its names: one call per slot count, in first-seen order.
  std::vector<std::pair<int, std::vector<std::string>>> by_slots;
  for (const sched::Host& h : sched::admissible_hosts(hosts, /*need_slots=*/true, result)) {
    auto it = std::find_if(by_slots.begin(), by_slots.end(), [&](const auto& g) { return g.first == h.slots; });
    if (it == by_slots.end()) it = by_slots.insert(by_slots.end(), {h.slots, {}});
    it->second.push_back(h.hostname);
  }
  for (const auto& [slots, names] : by_slots) {
    take(qmgr_nodes("create node ", names, " np=" + std::to_string(slots), qmgr_create_ignored()), result);
  }
  return result;
}

sched::HostUpdateResult TorqueScheduler::remove_hosts(const std::vector<sched::Host>& hosts) {
  sched::HostUpdateResult result;
  std::vector<std::string> names;
  for (const sched::Host& h : sched::admissible_hosts(hosts, /*need_slots=*/false, result)) {
    names.push_back(h.hostname);
  }
  if (names.empty()) return result;
  // Offline first: pbs_mom could otherwise fail to requeue a job of a node being deleted.
  // Its outcome does not matter (an unknown node cannot be marked).
  std::vector<std::string> offline{"pbsnodes", "-o"};
  offline.insert(offline.end(), names.begin(), names.end());
  (void)run(offline);
  const size_t chunk = std::max<size_t>(settings_.delete_chunk, 1);
  for (size_t i = 0; i < names.size(); i += chunk) {
    std::vector<std::string> part(names.begin() + i, names.begin() + std::min(names.size(), i + chunk));
    take(qmgr_nodes("delete node ", part, "", qmgr_delete_ignored()), result);
  }
  return result;
}

Status TorqueScheduler::wake_scheduler() {
  auto out = query({"qmgr", "-c", "set server scheduling=true"});
  if (!out.ok()) return out.error();
  return {};
}

}  // namespace ebbflow::torque
