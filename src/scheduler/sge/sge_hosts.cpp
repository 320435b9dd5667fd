// SgeScheduler::add_hosts / remove_hosts: registering compute hosts with the qmaster
// (reference 3.4; sge-local-cluster.md sections 4 and 5.4 for the messages and the order).
//
// Add, stopping at a host's first failing step: admin host (-ah), submit host (-as), member
// of the host group (-aattr hostgroup), its slot count in the queue (-aattr queue slots). The
// compute node starts sge_execd itself once it is an admin host (an execd started before -ah
// gives up for good, section 5.5), so nothing here talks to the node.
// Remove, every step for every host (a partly removed host is better cleaned as far as it
// goes; a failed host is retried by sqswatcher): its queue-instance overrides (-purge), the
// host group (-dattr), then execution (-de), submit (-ds) and admin (-dh) host. -de is refused
// while the queue or host group still names the host, hence the order. A host is removed when
// -de, -ds and -dh succeed ("does not exist" included): removal is idempotent.
#include <map>

#include "scheduler/sge/host_name.h"
#include "scheduler/sge/sge_scheduler.h"

namespace ebbflow::sge {
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

bool qmaster_unreachable(const std::string& text) {
  return contains(text, "unable to contact qmaster") || contains(text, "commlib error") ||
         contains(text, "unable to send message to qmaster");
}

// A refusal qconf may print with exit status 0 (older builds exit 0 on some errors).
bool refused(const std::string& text) {
  return contains(text, "can't resolve hostname") || contains(text, "denied:") ||
         contains(text, "error:");
}

void take(const QconfOutcome& o, sched::HostUpdateResult& result) {
  result.failed.insert(result.failed.end(), o.failed.begin(), o.failed.end());
  result.messages.insert(result.messages.end(), o.messages.begin(), o.messages.end());
}

}  // namespace

QconfOutcome SgeScheduler::qconf_host_list(QconfHostOp op, const std::vector<std::string>& hosts) {
  QconfOutcome outcome;
  if (hosts.empty()) return outcome;
  auto out = run({"qconf", qconf_flag(op), join(hosts)});
  if (!out.ok()) {
    outcome.failed = hosts;
    for (const std::string& h : hosts) outcome.messages.push_back(h + ": " + out.error().message);
    return outcome;
  }
  return parse_qconf_reply(op, hosts, out->out + "\n" + out->err);
}

Result<std::string> SgeScheduler::qconf_step(std::vector<std::string> argv, bool absent_ok) {
  const std::string what = describe_argv(spec(argv).argv);
  auto out = run(std::move(argv));
  if (!out.ok()) return out.error();
  std::string text = out->out + "\n" + out->err;
  if (out->exit_code == 0 && !refused(text)) return text;
  if (absent_ok && contains(text, "does not exist") && !qmaster_unreachable(text)) return text;
  std::string why = first_line(out->err);
  if (why.empty()) why = first_line(out->out);
  return make_error(qmaster_unreachable(text) ? ErrorKind::kUnavailable : ErrorKind::kInvalidInput,
                    "CommandFailed", what + " exited " + std::to_string(out->exit_code) + ": " + why);
}

sched::HostUpdateResult SgeScheduler::add_hosts(const std::vector<sched::Host>& hosts) {
  sched::HostUpdateResult result;
  std::vector<sched::Host> valid = sched::admissible_hosts(hosts, /*need_slots=*/true, result);
  std::map<std::string, int> slots;
  std::vector<std::string> names;
  for (const sched::Host& h : valid) {
    names.push_back(h.hostname);
    slots[h.hostname] = h.slots;
  }
  for (QconfHostOp op : {QconfHostOp::kAddAdmin, QconfHostOp::kAddSubmit}) {
    QconfOutcome o = qconf_host_list(op, names);
    take(o, result);
    names = o.succeeded;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const std::string slot_spec = "[" + name + "=" + std::to_string(slots[name]) + "]";
    auto step = qconf_step({"qconf", "-aattr", "hostgroup", "hostlist", name, settings_.hostgroup}, false);
    if (step.ok()) {
      step = qconf_step({"qconf", "-aattr", "queue", "slots", slot_spec, settings_.queue}, false);
      // -aattr leaves an existing [host=N] entry alone; a host that comes back with another
      // instance type needs its new count.
      if (step.ok() && contains(*step, "already exists")) {
        step = qconf_step({"qconf", "-mattr", "queue", "slots", slot_spec, settings_.queue}, false);
      }
    }
    if (step.ok()) {
      result.succeeded.push_back(name);
      continue;
    }
    if (step.error().kind == ErrorKind::kUnavailable) {  // no point asking again for the rest
      sched::fail_hosts(std::vector<std::string>(names.begin() + i, names.end()),
                        step.error().message, result);
      break;
    }
    sched::fail_hosts({name}, step.error().message, result);
  }
  return result;
}

sched::HostUpdateResult SgeScheduler::remove_hosts(const std::vector<sched::Host>& hosts) {
  sched::HostUpdateResult result;
  std::vector<std::string> names;
  for (const sched::Host& h : sched::admissible_hosts(hosts, /*need_slots=*/false, result)) {
    names.push_back(h.hostname);
  }
  // The queue and host-group steps only clear references; whether the host is gone is what
  // -de/-ds/-dh say. So their refusals are reported only when the host then fails, and a host
  // half removed by an earlier attempt is still removable (whatever SGE says about a purge of
  // nothing).
  std::map<std::string, std::string> earlier;  // first refusal of a reference step
  for (const std::string& name : names) {
    for (auto argv : {std::vector<std::string>{"qconf", "-purge", "queue", "*", settings_.queue + "@" + name},
                      std::vector<std::string>{"qconf", "-dattr", "hostgroup", "hostlist", name,
                                               settings_.hostgroup}}) {
      auto step = qconf_step(std::move(argv), /*absent_ok=*/true);
      if (step.ok()) continue;
      if (step.error().kind == ErrorKind::kUnavailable) {
        sched::fail_hosts(names, step.error().message, result);
        return result;
      }
      earlier.emplace(name, step.error().message);
    }
  }
  std::map<std::string, std::string> why;  // first failure of each host
  for (QconfHostOp op : {QconfHostOp::kRemoveExec, QconfHostOp::kRemoveSubmit, QconfHostOp::kRemoveAdmin}) {
    QconfOutcome o = qconf_host_list(op, names);
    for (size_t i = 0; i < o.failed.size(); ++i) why.emplace(o.failed[i], o.messages[i]);
  }
  for (const std::string& name : names) {
    auto it = why.find(name);
    if (it == why.end()) {
      result.succeeded.push_back(name);
      continue;
    }
    std::string message = it->second;
    if (auto e = earlier.find(name); e != earlier.end()) message += " (earlier: " + e->second + ")";
    result.failed.push_back(name);
    result.messages.push_back(message);
  }
  return result;
}

}  // namespace ebbflow::sge
