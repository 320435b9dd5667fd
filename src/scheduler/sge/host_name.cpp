// Host-name validation shared by the SGE and Torque adapters; see host_name.h.
#include "scheduler/sge/host_name.h"

#include <cctype>
#include <set>

namespace ebbflow::sched {

Status validate_host_name(const std::string& name) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput, "InvalidHostName",
                      "refusing host name \"" + name + "\": " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 253) return bad("longer than 253 characters");
  if (name.front() == '-' || name.front() == '.') return bad("starts with '-' or '.'");
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_') continue;
    if (std::isprint(u)) return bad(std::string("contains '") + c + "'");
    return bad("contains a control or non-ASCII character");
  }
  return {};
}

std::string short_host_name(const std::string& name) { return name.substr(0, name.find('.')); }

namespace {
bool is_domain_of(const std::string& longer, const std::string& shorter) {
  return longer.size() > shorter.size() && longer.compare(0, shorter.size(), shorter) == 0 &&
         longer[shorter.size()] == '.';
}
}  // namespace

bool same_host(const std::string& reported, const std::string& host) {
  return reported == host || is_domain_of(reported, host) || is_domain_of(host, reported);
}

std::vector<Host> admissible_hosts(const std::vector<Host>& hosts, bool need_slots,
                                   HostUpdateResult& result) {
  std::vector<Host> ok;
  std::set<std::string> seen;
  for (const Host& h : hosts) {
    if (!seen.insert(h.hostname).second) continue;  // one outcome per host name
    Status valid = validate_host_name(h.hostname);
    if (valid.ok() && need_slots && h.slots < 1) {
      valid = make_error(ErrorKind::kInvalidInput, "InvalidSlots",
                         "host " + h.hostname + " has " + std::to_string(h.slots) + " slots");
    }
    if (!valid.ok()) {
      result.failed.push_back(h.hostname);
      result.messages.push_back(h.hostname + ": " + valid.error().message);
      continue;
    }
    ok.push_back(h);
  }
  return ok;
}

void fail_hosts(const std::vector<std::string>& names, const std::string& why,
                HostUpdateResult& result) {
  for (const std::string& n : names) {
    result.failed.push_back(n);
    result.messages.push_back(n + ": " + why);
  }
}

}  // namespace ebbflow::sched
