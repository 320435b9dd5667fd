// Parsers for qstat -xml and qconf replies; see sge_parse.h.
#include "scheduler/sge/sge_parse.h"

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <sstream>

#include "scheduler/sge/host_name.h"

namespace ebbflow::sge {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string text(const pugi::xml_node& parent, const char* child) {
  return trim(parent.child(child).child_value());
}

Error parse_error(const std::string& command, const std::string& what) {
  return make_error(ErrorKind::kInvalidInput, "ParseError", command + ": " + what);
}

Result<int> to_int(const std::string& value, const std::string& field, const std::string& command) {
  if (value.empty()) return 0;
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
    return parse_error(command, field + " is not a non-negative integer: \"" + value + "\"");
  }
  return n;
}

std::string after_at(const std::string& queue_instance) {
  size_t at = queue_instance.find('@');
  return at == std::string::npos ? std::string() : queue_instance.substr(at + 1);
}

Result<pugi::xml_document*> load(pugi::xml_document& doc, const std::string& xml,
                                 const std::string& command) {
  pugi::xml_parse_result ok = doc.load_buffer(xml.data(), xml.size());
  if (!ok) {
    return parse_error(command, std::string("output is not XML (") + ok.description() +
                                    " at offset " + std::to_string(ok.offset) + ")");
  }
  return &doc;
}

Result<SgeJob> parse_job(const pugi::xml_node& node, const std::string& enclosing_host,
                         const std::string& command) {
  SgeJob job;
  job.number = text(node, "JB_job_number");
  job.state = text(node, "state");
  auto slots = to_int(text(node, "slots"), "slots of job " + job.number, command);
  if (!slots.ok()) return slots.error();
  job.slots = *slots;
  job.master = text(node, "master");
  job.tasks = text(node, "tasks");
  std::string queue_name = text(node, "queue_name");
  job.host = queue_name.empty() ? enclosing_host : after_at(queue_name);
  return job;
}

// Depth-first over the document, in output order.
template <class F>
Status walk(const pugi::xml_node& node, const char* name, F&& visit) {
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (std::string(child.name()) == name) {
      if (Status s = visit(child); !s.ok()) return s;
    } else if (Status s = walk(child, name, visit); !s.ok()) {
      return s;
    }
  }
  return {};
}

}  // namespace

int SgeJob::task_count() const {
  // Capped: a corrupt or hostile range must not overflow (SGE's own max_aj_tasks is 75000).
  constexpr long long kMaxTasks = 1000000;
  if (tasks.empty()) return 1;
  long long total = 0;
  std::stringstream parts(tasks);
  std::string part;
  while (std::getline(parts, part, ',') && total < kMaxTasks) {
    long long first = 0, last = 0, step = 1;
    char dash = 0, colon = 0;
    std::stringstream range(part);
    if (range >> first >> dash >> last >> colon >> step && dash == '-' && colon == ':' &&
        step > 0 && first >= 0 && last >= first) {
      // Task ids are >= 1 (a negative first bound would let last - first overflow); the cap
      // comes before the + 1 for the same reason.
      total += std::min((last - first) / step, kMaxTasks) + 1;
    } else {
      total += 1;  // a single index (or something we do not understand: count it once)
    }
  }
  return static_cast<int>(std::clamp(total, 1LL, kMaxTasks));
}

Result<std::vector<SgeHost>> parse_qstat_hosts(const std::string& xml, const std::string& command) {
  std::vector<SgeHost> hosts;
  if (trim(xml).empty()) return hosts;
  pugi::xml_document doc;
  if (auto ok = load(doc, xml, command); !ok.ok()) return ok.error();
  Status st = walk(doc, "Queue-List", [&](const pugi::xml_node& q) -> Status {
    SgeHost host;
    std::string name = text(q, "name");
    size_t at = name.find('@');
    if (at == std::string::npos) return parse_error(command, "queue instance without '@': \"" + name + "\"");
    host.queue = name.substr(0, at);
    host.name = name.substr(at + 1);
    for (auto [field, target] : {std::pair{"slots_used", &host.slots_used},
                                 std::pair{"slots_resv", &host.slots_resv},
                                 std::pair{"slots_total", &host.slots_total}}) {
      auto n = to_int(text(q, field), std::string(field) + " of " + name, command);
      if (!n.ok()) return n.error();
      *target = *n;
    }
    host.state = text(q, "state");
    for (pugi::xml_node j : q.children("job_list")) {
      auto job = parse_job(j, host.name, command);
      if (!job.ok()) return job.error();
      host.jobs.push_back(std::move(*job));
    }
    hosts.push_back(std::move(host));
    return {};
  });
  if (!st.ok()) return st.error();
  return hosts;
}

Result<std::vector<SgeJob>> parse_qstat_jobs(const std::string& xml, const std::string& command) {
  std::vector<SgeJob> jobs;
  if (trim(xml).empty()) return jobs;
  pugi::xml_document doc;
  if (auto ok = load(doc, xml, command); !ok.ok()) return ok.error();
  Status st = walk(doc, "job_list", [&](const pugi::xml_node& j) -> Status {
    pugi::xml_node parent = j.parent();
    std::string enclosing = std::string(parent.name()) == "Queue-List" ? after_at(text(parent, "name")) : "";
    auto job = parse_job(j, enclosing, command);
    if (!job.ok()) return job.error();
    jobs.push_back(std::move(*job));
    return {};
  });
  if (!st.ok()) return st.error();
  return jobs;
}

bool has_any_state(const std::string& state, const std::string& letters) {
  return state.find_first_of(letters) != std::string::npos;
}

const char* qconf_flag(QconfHostOp op) {
  switch (op) {
    case QconfHostOp::kAddAdmin: return "-ah";
    case QconfHostOp::kAddSubmit: return "-as";
    case QconfHostOp::kRemoveAdmin: return "-dh";
    case QconfHostOp::kRemoveSubmit: return "-ds";
    case QconfHostOp::kRemoveExec: return "-de";
  }
  return "";
}

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// `<prefix><host><suffix>` -> host (non-empty, without '"' or, when `one_word`, spaces); "" when
// the line has another shape.
std::string between(const std::string& line, const std::string& prefix, const std::string& suffix,
                    bool one_word = false) {
  if (line.size() <= prefix.size() + suffix.size() || !starts_with(line, prefix) || !ends_with(line, suffix)) {
    return {};
  }
  std::string host = line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
  if (host.find('"') != std::string::npos || (one_word && host.find(' ') != std::string::npos)) return {};
  return host;
}

// "<who> removed "<host>" from <list>" (who: one word, e.g. root@sgemaster).
std::string removed_from(const std::string& line, const std::string& list) {
  size_t space = line.find(' ');
  if (space == 0 || space == std::string::npos) return {};
  return between(line.substr(space), " removed \"", "\" from " + list);
}

}  // namespace

QconfLine classify_qconf_line(QconfHostOp op, const std::string& raw) {
  // Success replies per operation (reference 3.4, sge-local-cluster.md section 4; measured on
  // SGE 8.1.9). Matched by hand, not with std::regex, whose recursion a long line can overflow.
  const std::string line = trim(raw);
  std::string host;
  switch (op) {
    case QconfHostOp::kAddAdmin:
      host = between(line, "", " added to administrative host list", /*one_word=*/true);
      if (host.empty()) host = between(line, "adminhost \"", "\" already exists");
      break;
    case QconfHostOp::kAddSubmit:
      host = between(line, "", " added to submit host list", /*one_word=*/true);
      if (host.empty()) host = between(line, "submithost \"", "\" already exists");
      break;
    case QconfHostOp::kRemoveAdmin:
      host = removed_from(line, "administrative host list");
      if (host.empty()) host = between(line, "denied: administrative host \"", "\" does not exist");
      break;
    case QconfHostOp::kRemoveSubmit:
      host = removed_from(line, "submit host list");
      if (host.empty()) host = between(line, "denied: submit host \"", "\" does not exist");
      break;
    case QconfHostOp::kRemoveExec:
      host = removed_from(line, "execution host list");
      if (host.empty()) host = between(line, "denied: execution host \"", "\" does not exist");
      break;
  }
  if (!host.empty()) return {QconfLine::Kind::kSuccess, host};
  // Any other line that names a host is a refusal for it: can't resolve hostname "x",
  // Host object "x" is still referenced in cluster queue "all.q"., denied: ... "x" ...
  size_t open = line.find('"');
  size_t close = open == std::string::npos ? open : line.find('"', open + 1);
  if (close != std::string::npos) return {QconfLine::Kind::kFailure, line.substr(open + 1, close - open - 1)};
  return {QconfLine::Kind::kUnrelated, ""};
}

QconfOutcome parse_qconf_reply(QconfHostOp op, const std::vector<std::string>& hosts,
                               const std::string& output) {
  std::vector<int> ok(hosts.size(), 0);      // a success line names the host
  std::vector<std::string> why(hosts.size());  // the first failure line naming it
  std::string unrelated;                       // the first line naming no host we asked about
  std::stringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.empty()) continue;
    QconfLine c = classify_qconf_line(op, line);
    bool attributed = false;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (c.kind == QconfLine::Kind::kUnrelated || !sched::same_host(c.host, hosts[i])) continue;
      attributed = true;
      if (c.kind == QconfLine::Kind::kSuccess) ok[i] = 1;
      else if (why[i].empty()) why[i] = line;
    }
    if (!attributed && unrelated.empty()) unrelated = line;
  }
  QconfOutcome out;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (ok[i] && why[i].empty()) {
      out.succeeded.push_back(hosts[i]);
      continue;
    }
    out.failed.push_back(hosts[i]);
    std::string reason = !why[i].empty()    ? why[i]
                         : !unrelated.empty() ? "no reply line for this host; qconf said: " + unrelated
                                              : "no reply line for this host";
    out.messages.push_back(hosts[i] + ": qconf " + qconf_flag(op) + ": " + reason);
  }
  return out;
}

}  // namespace ebbflow::sge
