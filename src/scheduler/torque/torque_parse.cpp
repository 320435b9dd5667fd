// Parsers for pbsnodes -x, qstat -t -x and qmgr replies; see torque_parse.h.
#include "scheduler/torque/torque_parse.h"

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <sstream>

namespace ebbflow::torque {
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

std::optional<int> to_int(const std::string& value) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) return std::nullopt;
  return n;
}

// Comma list -> trimmed non-empty items.
std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Status load(pugi::xml_document& doc, const std::string& xml, const std::string& command) {
  pugi::xml_parse_result ok = doc.load_buffer(xml.data(), xml.size());
  if (!ok) {
    return parse_error(command, std::string("output is not XML (") + ok.description() +
                                    " at offset " + std::to_string(ok.offset) + ")");
  }
  if (std::string(doc.document_element().name()) != "Data") {
    return parse_error(command, std::string("root element is <") + doc.document_element().name() +
                                    ">, expected <Data>");
  }
  return {};
}

Result<std::optional<int>> optional_int(const pugi::xml_node& parent, const char* child,
                                        const std::string& where, const std::string& command) {
  std::string value = text(parent, child);
  if (value.empty()) return std::optional<int>();
  auto n = to_int(value);
  if (!n) return parse_error(command, std::string(child) + " of " + where + " is not a count: \"" + value + "\"");
  return std::optional<int>(*n);
}

// "qmgr obj=<host> svr=<server>: <message>" -> host, message (by hand, not std::regex, whose
// recursion a long line can overflow).
bool split_qmgr_line(const std::string& line, std::string& host, std::string& message) {
  const std::string prefix = "qmgr obj=";
  if (line.compare(0, prefix.size(), prefix) != 0) return false;
  size_t svr = line.find(" svr=", prefix.size());
  if (svr == std::string::npos || svr == prefix.size()) return false;
  size_t colon = line.find(": ", svr + 5);
  if (colon == std::string::npos || colon == svr + 5) return false;
  std::string server = line.substr(svr + 5, colon - svr - 5);
  if (server.find_first_of(" \t") != std::string::npos) return false;
  host = line.substr(prefix.size(), svr - prefix.size());
  message = trim(line.substr(colon + 2));
  return true;
}

}  // namespace

bool TorqueNode::has_state(const std::string& state) const {
  return std::find(states.begin(), states.end(), state) != states.end();
}

Result<std::vector<TorqueNode>> parse_pbsnodes(const std::string& output, const std::string& command) {
  std::vector<TorqueNode> nodes;
  const std::string body = trim(output);
  if (body.rfind("<Data>", 0) != 0 && body.rfind("<?xml", 0) != 0) return nodes;
  pugi::xml_document doc;
  if (Status st = load(doc, body, command); !st.ok()) return st.error();
  for (pugi::xml_node n : doc.document_element().children("Node")) {
    TorqueNode node;
    node.name = text(n, "name");
    if (node.name.empty()) return parse_error(command, "a <Node> without <name>");
    auto np = optional_int(n, "np", node.name, command);
    if (!np.ok()) return np.error();
    node.np = np->value_or(0);
    node.states = split_list(text(n, "state"), ',');
    node.jobs = split_list(text(n, "jobs"), ',');
    node.note = text(n, "note");
    nodes.push_back(std::move(node));
  }
  return nodes;
}

Result<std::vector<NodesPart>> parse_nodes_spec(const std::string& spec) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput, "ParseError", "nodes spec \"" + spec + "\": " + why);
  };
  std::vector<NodesPart> parts;
  for (const std::string& item : split_list(spec, '+')) {
    NodesPart part;
    std::vector<std::string> fields = split_list(item, ':');
    if (fields.empty()) return bad("empty part");
    if (auto count = to_int(fields[0])) part.count = *count;  // else a host name: one node
    for (size_t i = 1; i < fields.size(); ++i) {
      if (fields[i].rfind("ppn=", 0) != 0) continue;  // a node property
      auto ppn = to_int(fields[i].substr(4));
      if (!ppn) return bad("ppn is not a count in \"" + item + "\"");
      part.ppn = *ppn;
    }
    parts.push_back(part);
  }
  if (parts.empty()) return bad("empty");
  return parts;
}

Result<std::vector<TorqueJob>> parse_qstat_jobs(const std::string& output, const std::string& command) {
  std::vector<TorqueJob> jobs;
  if (trim(output).empty()) return jobs;
  pugi::xml_document doc;
  if (Status st = load(doc, output, command); !st.ok()) return st.error();
  for (pugi::xml_node j : doc.document_element().children("Job")) {
    TorqueJob job;
    job.id = text(j, "Job_Id");
    job.state = text(j, "job_state");
    for (const std::string& slot : split_list(text(j, "exec_host"), '+')) {
      std::string host = slot.substr(0, slot.find('/'));
      if (std::find(job.exec_hosts.begin(), job.exec_hosts.end(), host) == job.exec_hosts.end()) {
        job.exec_hosts.push_back(host);
      }
    }
    pugi::xml_node resources = j.child("Resource_List");
    if (std::string nodes = text(resources, "nodes"); !nodes.empty()) {
      auto parts = parse_nodes_spec(nodes);
      if (!parts.ok()) return parse_error(command, "job " + job.id + ": " + parts.error().message);
      job.nodes = std::move(*parts);
    }
    auto nodect = optional_int(resources, "nodect", "job " + job.id, command);
    if (!nodect.ok()) return nodect.error();
    job.nodect = *nodect;
    auto ncpus = optional_int(resources, "ncpus", "job " + job.id, command);
    if (!ncpus.ok()) return ncpus.error();
    job.ncpus = *ncpus;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

QmgrOutcome parse_qmgr_reply(const std::vector<std::string>& hosts, const std::string& output,
                             const std::vector<std::string>& ignored) {
  QmgrOutcome out;
  std::vector<std::string> why(hosts.size());
  std::stringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.empty()) continue;
    std::string host, error;
    if (!split_qmgr_line(line, host, error)) {
      // Not a per-node error: qmgr itself failed (server down, bad statement).
      out.failed = hosts;
      for (const std::string& h : hosts) out.messages.push_back(h + ": qmgr: " + line);
      return out;
    }
    if (std::find(ignored.begin(), ignored.end(), error) != ignored.end()) continue;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (hosts[i] == host && why[i].empty()) why[i] = error;
    }
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (why[i].empty()) {
      out.succeeded.push_back(hosts[i]);
    } else {
      out.failed.push_back(hosts[i]);
      out.messages.push_back(hosts[i] + ": qmgr: " + why[i]);
    }
  }
  return out;
}

const std::vector<std::string>& qmgr_create_ignored() {
  static const std::vector<std::string> messages{"Node name already exists"};
  return messages;
}

const std::vector<std::string>& qmgr_delete_ignored() {
  static const std::vector<std::string> messages{
      "Unknown node",
      "The server was unable to communicate with the MOM to requeue or delete the job. The node "
      "has been deleted and all jobs on the node have been purged."};
  return messages;
}

}  // namespace ebbflow::torque
