#include "scheduler/slurm/traditional_slurm.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>

#include "core/traditional/slurm_pending.h"
#include "scheduler/sge/host_name.h"

namespace ebbflow::slurm {
namespace {

constexpr std::chrono::milliseconds kReadTimeout{30000};

std::string field_value(const std::string& line, const std::string& key) {
  // Keys are preceded by a space or start the line; values run to the next space.
  size_t pos = 0;
  while ((pos = line.find(key + "=", pos)) != std::string::npos) {
    if (pos == 0 || line[pos - 1] == ' ') {
      size_t start = pos + key.size() + 1;
      size_t end = line.find(' ', start);
      return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    pos += key.size();
  }
  return {};
}

// The base state without the flags Slurm appends to sinfo's compact state ("alloc*" = not
// responding, "idle~" = powered down, ...).
std::string compact_base(std::string s) {
  while (!s.empty() && std::string("*~#!%$@^-+").find(s.back()) != std::string::npos) s.pop_back();
  return s;
}

sched::HostUpdateResult all_failed(const std::vector<sched::Host>& hosts, const std::string& why) {
  sched::HostUpdateResult r;
  for (const auto& h : hosts) {
    r.failed.push_back(h.hostname);
    r.messages.push_back(h.hostname + ": " + why);
  }
  return r;
}

}  // namespace

bool SlotNode::has_flag(const std::string& flag) const {
  std::stringstream ss(state);
  std::string part;
  while (std::getline(ss, part, '+')) {
    while (!part.empty() && std::string("*~#!%$@^-").find(part.back()) != std::string::npos) part.pop_back();
    if (part == flag) return true;
  }
  return false;
}

Result<std::vector<SlotNode>> parse_slot_nodes(const std::string& output) {
  std::vector<SlotNode> out;
  std::stringstream ss(output);
  std::string line;
  int number = 0;
  while (std::getline(ss, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.rfind("No nodes in the system", 0) == 0) continue;
    SlotNode n;
    n.name = field_value(line, "NodeName");
    if (n.name.empty())
      return make_error(ErrorKind::kInvalidInput, "ParseError",
                        "scontrol show nodes: line " + std::to_string(number) + " has no NodeName");
    n.addr = field_value(line, "NodeAddr");
    n.hostname = field_value(line, "NodeHostName");
    n.state = field_value(line, "State");
    size_t r = line.find(" Reason=");
    if (r != std::string::npos) {
      n.reason = line.substr(r + 8);
      // "Reason=text [root@2026-11-26T03:38:21]": keep the text.
      size_t by = n.reason.rfind(" [");
      if (by != std::string::npos) n.reason.resize(by);
      while (!n.reason.empty() && (n.reason.back() == ' ' || n.reason.back() == '\r')) n.reason.pop_back();
    }
    out.push_back(std::move(n));
  }
  return out;
}

std::optional<std::string> address_from_hostname(const std::string& hostname) {
  static const std::regex re("^ip-([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})$");
  std::smatch m;
  if (!std::regex_match(hostname, m, re)) return std::nullopt;
  std::string out;
  for (int i = 1; i <= 4; ++i) {
    if (std::stoi(m[i].str()) > 255) return std::nullopt;
    out += (i > 1 ? "." : "") + m[i].str();
  }
  return out;
}

TraditionalSlurm::TraditionalSlurm(CommandRunner& runner, SlurmPaths paths)
    : runner_(runner), paths_(paths), client_(runner, paths) {}

Result<std::string> TraditionalSlurm::read(std::vector<std::string> argv) {
  CommandSpec s;
  s.argv = std::move(argv);
  if (s.argv[0].find('/') == std::string::npos && !paths_.bin_dir.empty()) s.argv[0] = paths_.bin_dir + "/" + s.argv[0];
  s.env["TZ"] = "UTC";
  if (!paths_.slurm_conf.empty()) s.env["SLURM_CONF"] = paths_.slurm_conf;
  s.timeout = kReadTimeout;
  auto r = runner_.run(s);
  const std::string what = describe_argv(s.argv);
  if (!r.ok()) return make_error(ErrorKind::kUnavailable, r.error().code, what + ": " + r.error().message);
  if (r->exit_code != 0) {
    std::string detail = r->err.empty() ? r->out : r->err;
    if (auto nl = detail.find('\n'); nl != std::string::npos) detail.resize(nl);
    return make_error(ErrorKind::kUnavailable, "CommandFailed",
                      what + " exited " + std::to_string(r->exit_code) + ": " + detail);
  }
  return r->out;
}

Result<std::vector<SlotNode>> TraditionalSlurm::slots() {
  auto out = read({"scontrol", "-o", "show", "nodes", "--future"});
  if (!out.ok()) return out.error();
  return parse_slot_nodes(*out);
}

Result<std::optional<SlotNode>> TraditionalSlurm::slot_of(const std::string& hostname) {
  if (auto st = sched::validate_host_name(hostname); !st.ok()) return st.error();
  auto all = slots();
  if (!all.ok()) return all.error();
  for (auto& n : *all)
    if (n.bound() && n.hostname == hostname) return std::optional<SlotNode>(std::move(n));
  return std::optional<SlotNode>();
}

Result<int> TraditionalSlurm::busy_nodes() {
  auto out = read({"sinfo", "-h", "-o", "%D %t"});
  if (!out.ok()) return out.error();
  std::stringstream ss(*out);
  int count = 0;
  std::string state;
  int n = 0;
  while (ss >> n >> state) {
    // Reference 2.5 counts exactly "mix" and "alloc"; an allocated node that is not responding
    // ("alloc*") still holds its jobs, so the flag suffix is ignored.
    std::string base = compact_base(state);
    if (base == "mix" || base == "alloc") count += n;
  }
  return count;
}

Result<std::string> TraditionalSlurm::pending_squeue() {
  return read({"squeue", "-r", "-O", core::squeue_format_argument(), "--states", "PD"});
}

Result<int> TraditionalSlurm::required_nodes(const sched::NodeCapacity& node, int max_size) {
  auto out = pending_squeue();
  if (!out.ok()) return out.error();
  auto jobs = core::parse_squeue(*out);
  if (!jobs.ok()) return jobs.error();
  core::SlurmPendingFilter f;
  f.node_slots = node.slots;
  f.node_gpus = node.gpus;
  f.max_nodes = max_size;
  return core::slurm_required_nodes(*jobs, f);
}

Result<bool> TraditionalSlurm::has_pending_jobs(const sched::NodeCapacity& node, int max_size) {
  auto out = pending_squeue();
  if (!out.ok()) return out.error();
  auto jobs = core::parse_squeue(*out);
  if (!jobs.ok()) return jobs.error();
  core::SlurmPendingFilter f;
  f.node_slots = node.slots;
  f.node_gpus = node.gpus;
  f.max_nodes = max_size;
  return !core::normalize_pending_jobs(*jobs, f).empty();
}

Result<bool> TraditionalSlurm::has_jobs(const std::string& hostname) {
  auto slot = slot_of(hostname);
  if (!slot.ok()) return slot.error();
  if (!*slot) return false;  // not in Slurm: nothing can run there
  auto out = read({"squeue", "-h", "-w", (*slot)->name, "-o", "%i"});
  if (!out.ok()) return out.error();
  return out->find_first_not_of(" \n") != std::string::npos;
}

Result<sched::NodeHealth> TraditionalSlurm::node_health(const std::string& hostname) {
  auto slot = slot_of(hostname);
  if (!slot.ok()) return slot.error();
  if (!*slot) return sched::NodeHealth::kMissing;
  const SlotNode& n = **slot;
  // FUTURE while bound: slurmd has not registered yet (or never will); DOWN / FAIL / not
  // responding; DRAIN set by anyone but our own lock (reference 4.4: down, drained, fail).
  if (n.has_flag("FUTURE") || n.has_flag("DOWN") || n.has_flag("FAIL") || n.has_flag("NOT_RESPONDING") ||
      n.state.find('*') != std::string::npos)
    return sched::NodeHealth::kDown;
  if (n.has_flag("DRAIN") && n.reason != kLockReason) return sched::NodeHealth::kDown;
  return sched::NodeHealth::kUp;
}

Status TraditionalSlurm::lock_host(const std::string& hostname) {
  auto slot = slot_of(hostname);
  if (!slot.ok()) return slot.error();
  if (!*slot) return make_error(ErrorKind::kNotFound, "NoSuchHost", hostname + " is not a Slurm node");
  NodeUpdate u;
  u.names = {(*slot)->name};
  u.state = "DRAIN";
  u.reason = kLockReason;
  return client_.update_nodes(u);
}

Status TraditionalSlurm::unlock_host(const std::string& hostname) {
  auto slot = slot_of(hostname);
  if (!slot.ok()) return slot.error();
  if (!*slot) return make_error(ErrorKind::kNotFound, "NoSuchHost", hostname + " is not a Slurm node");
  NodeUpdate u;
  u.names = {(*slot)->name};
  u.state = "RESUME";
  return client_.update_nodes(u);
}

sched::HostUpdateResult TraditionalSlurm::add_hosts(const std::vector<sched::Host>& hosts) {
  sched::HostUpdateResult result;
  if (hosts.empty()) return result;
  auto all = slots();
  if (!all.ok()) return all_failed(hosts, all.error().message);
  std::vector<SlotNode*> free;
  for (auto& n : *all)
    if (!n.bound() && n.has_flag("FUTURE")) free.push_back(&n);
  std::reverse(free.begin(), free.end());  // pop_back hands out the lowest slot first
  NodeUpdate bind;
  std::vector<std::string> binding;  // hostnames of `bind`, in order
  for (const auto& h : hosts) {
    if (auto st = sched::validate_host_name(h.hostname); !st.ok()) {
      result.failed.push_back(h.hostname);
      result.messages.push_back(h.hostname + ": " + st.error().message);
      continue;
    }
    bool present = std::any_of(all->begin(), all->end(), [&](const SlotNode& n) { return n.bound() && n.hostname == h.hostname; }) ||
                   std::find(binding.begin(), binding.end(), h.hostname) != binding.end();
    if (present) {  // idempotent: already bound (a redelivered ready message)
      result.succeeded.push_back(h.hostname);
      continue;
    }
    if (free.empty()) {
      result.failed.push_back(h.hostname);
      result.messages.push_back(h.hostname + ": no free Slurm node slot (all MaxSize slots are bound)");
      continue;
    }
    SlotNode* slot = free.back();
    free.pop_back();
    bind.names.push_back(slot->name);
    bind.addrs.push_back(address_from_hostname(h.hostname).value_or(h.hostname));
    bind.hostnames.push_back(h.hostname);
    binding.push_back(h.hostname);
  }
  if (!bind.names.empty()) {
    Status st = client_.update_nodes(bind);
    for (const auto& h : binding) {
      if (st.ok()) {
        result.succeeded.push_back(h);
      } else {
        result.failed.push_back(h);
        result.messages.push_back(h + ": " + st.error().message);
      }
    }
  }
  return result;
}

sched::HostUpdateResult TraditionalSlurm::remove_hosts(const std::vector<sched::Host>& hosts) {
  sched::HostUpdateResult result;
  if (hosts.empty()) return result;
  auto all = slots();
  if (!all.ok()) return all_failed(hosts, all.error().message);
  for (const auto& h : hosts) {
    if (auto st = sched::validate_host_name(h.hostname); !st.ok()) {
      result.failed.push_back(h.hostname);
      result.messages.push_back(h.hostname + ": " + st.error().message);
      continue;
    }
    auto it = std::find_if(all->begin(), all->end(), [&](const SlotNode& n) { return n.bound() && n.hostname == h.hostname; });
    if (it == all->end()) {  // idempotent: not (or no longer) in Slurm
      result.succeeded.push_back(h.hostname);
      continue;
    }
    // DOWN first: Slurm refuses FUTURE for a node with jobs, and DOWN requeues them. A slot
    // still FUTURE (slurmd never registered) goes straight to the reset.
    Status st;
    if (!it->has_flag("FUTURE")) {
      NodeUpdate down;
      down.names = {it->name};
      down.state = "DOWN";
      down.reason = "ebbflow sqswatcher: instance terminated";
      st = client_.update_nodes(down);
    }
    if (st.ok()) {
      NodeUpdate reset;
      reset.names = {it->name};
      if (!it->has_flag("FUTURE")) reset.state = "FUTURE";
      reset.addrs = {it->name};
      reset.hostnames = {it->name};
      st = client_.update_nodes(reset);
    }
    if (st.ok()) {
      result.succeeded.push_back(h.hostname);
    } else {
      result.failed.push_back(h.hostname);
      result.messages.push_back(h.hostname + ": " + st.error().message);
    }
  }
  return result;
}

}  // namespace ebbflow::slurm
