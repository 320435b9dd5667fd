// Host-name validation shared by the SGE and Torque adapters.
//
// Neither adapter uses a shell, but a name still lands inside qconf/qmgr/pbsnodes arguments
// where ',' splits a list, '@' builds a queue instance ("all.q@H"), a leading '-' would be read
// as an option, and spaces or quotes would change a qmgr statement ("create node H np=4"). So
// a name must look like a DNS host name before it may reach any argv: letters, digits, '-',
// '.', '_' (the last for odd site names), not starting with '-' or '.', at most 253 characters.
#pragma once

#include <string>
#include <vector>

#include "scheduler/traditional/scheduler_port.h"
#include "util/result.h"

namespace ebbflow::sched {

// kInvalidInput ("InvalidHostName") naming the value and the offending character.
Status validate_host_name(const std::string& name);

// "ip-10-0-0-1.eu-west-1.compute.internal" -> "ip-10-0-0-1".
std::string short_host_name(const std::string& name);

// True when `reported` (what the scheduler printed, possibly a FQDN) names `host` (what we
// asked about, usually short): equal, or one is the other followed by '.' and a domain.
bool same_host(const std::string& reported, const std::string& host);

// The hosts of an add/remove batch that may reach a command: valid names (and, when
// `need_slots`, at least one slot), first occurrence of each name. Every other host goes to
// `result.failed` with a message, so each host of the batch gets exactly one outcome.
std::vector<Host> admissible_hosts(const std::vector<Host>& hosts, bool need_slots,
                                   HostUpdateResult& result);

// Puts every name in `result.failed` with the message "<name>: <why>".
void fail_hosts(const std::vector<std::string>& names, const std::string& why,
                HostUpdateResult& result);

}  // namespace ebbflow::sched
