// Fuzzes the Torque output parsers (scheduler/torque/torque_parse.h): pbsnodes -x, qstat -t -x,
// Resource_List nodes specs and qmgr replies.
//
// Input layout as in fuzz_sge: the first line lists hosts for the qmgr reply, the whole input is
// parsed as pbsnodes and qstat XML, and the second line as a nodes spec. Properties: failures name
// what is wrong; nodes have names and non-negative slots; list items are trimmed and non-empty;
// a job's exec hosts are unique and carry no "/slot"; counts are non-negative; and
// parse_qmgr_reply puts every host in exactly one of succeeded / failed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "scheduler/torque/torque_parse.h"

using namespace ebbflow;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void check_items(const std::vector<std::string>& items, const std::string& what) {
  for (const auto& i : items) {
    FUZZ_CHECK(!i.empty() && i.find(',') == std::string::npos, what + ": bad list item \"" + i + "\"");
    FUZZ_CHECK(i.front() != ' ' && i.back() != ' ', what + ": untrimmed item \"" + i + "\"");
  }
}

void check_parts(const std::vector<torque::NodesPart>& parts, const std::string& what) {
  for (const auto& p : parts) FUZZ_CHECK(p.count >= 0 && p.ppn >= 0, what + ": negative count or ppn");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);

  auto nodes = torque::parse_pbsnodes(text);
  fuzz::check_result(nodes, "parse_pbsnodes");
  if (nodes.ok())
    for (const auto& n : *nodes) {
      FUZZ_CHECK(!n.name.empty() && n.np >= 0, "node without a name or with negative np");
      check_items(n.states, "states of " + n.name);
      check_items(n.jobs, "jobs of " + n.name);
    }

  auto jobs = torque::parse_qstat_jobs(text);
  fuzz::check_result(jobs, "parse_qstat_jobs");
  if (jobs.ok())
    for (const auto& j : *jobs) {
      auto hosts = j.exec_hosts;
      std::sort(hosts.begin(), hosts.end());
      FUZZ_CHECK(std::adjacent_find(hosts.begin(), hosts.end()) == hosts.end(), "duplicate exec host in " + j.id);
      for (const auto& h : hosts) FUZZ_CHECK(h.find('/') == std::string::npos, "exec host keeps its slot: " + h);
      check_parts(j.nodes, "job " + j.id);
      FUZZ_CHECK(j.nodect.value_or(0) >= 0 && j.ncpus.value_or(0) >= 0, "negative nodect/ncpus in " + j.id);
    }

  size_t nl = text.find('\n');
  std::string first = text.substr(0, nl);
  std::string rest = nl == std::string::npos ? "" : text.substr(nl + 1);
  auto spec = torque::parse_nodes_spec(rest.substr(0, rest.find('\n')));
  fuzz::check_result(spec, "parse_nodes_spec");
  if (spec.ok()) {
    FUZZ_CHECK(!spec->empty(), "parse_nodes_spec ok with no parts");
    check_parts(*spec, "nodes spec");
  }

  std::vector<std::string> asked = split(first, ',');
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  if (asked.size() > 16) asked.resize(16);
  torque::QmgrOutcome out = torque::parse_qmgr_reply(asked, rest, torque::qmgr_delete_ignored());
  FUZZ_CHECK(out.succeeded.size() + out.failed.size() == asked.size(), "a host is missing from the qmgr outcome");
  FUZZ_CHECK(out.messages.size() == out.failed.size(), "failures and messages differ in number");
  return 0;
}
