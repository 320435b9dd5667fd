// Parsers for Torque command output (reference 11.3 and 3.4): pure functions, so the unit tests
// and fuzz targets can feed them recorded outputs directly.
//
// Torque cannot be installed on this machine (not packaged in Debian 12; sge-local-cluster.md
// section 8), so these are checked only against the outputs ParallelCluster recorded from a
// Torque 6.1 cluster (shared/recorded-outputs/torque) and hand-written variants of them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow::torque {

struct TorqueNode {
  std::string name;
  int np = 0;                          // slots
  std::vector<std::string> states;     // "free", "offline", "down", "job-exclusive", "state-unknown", ...
  std::vector<std::string> jobs;       // "1/136.server", ...; empty when idle
  std::string note;                    // "MasterServer" marks the head node
  bool has_state(const std::string& state) const;
};

// `pbsnodes -x [hosts]`. Output that does not start with <Data> (e.g. "pbsnodes: Unknown node
// MSG=cannot locate specified node", or nothing) is "no nodes", as in the original; whether
// that means "absent" or "failed" is the caller's call from the exit status. Malformed XML
// after <Data> is kInvalidInput naming the command.
Result<std::vector<TorqueNode>> parse_pbsnodes(const std::string& output,
                                               const std::string& command = "pbsnodes -x");

// One part of a Resource_List/nodes spec: `count` nodes with `ppn` processors each.
struct NodesPart {
  int count = 1;
  int ppn = 1;
};
// "1:ppn=2+2:ppn=3" -> {1,2},{2,3}; "1+2" -> {1,1},{2,1}; "1" -> {1,1}. A part naming a host
// or a property instead of a count ("node7:ppn=2", "2:ppn=4:gpu") counts 1 node / ignores the
// property. kInvalidInput for an empty spec or a non-numeric ppn.
Result<std::vector<NodesPart>> parse_nodes_spec(const std::string& spec);

struct TorqueJob {
  std::string id;                      // Job_Id ("149.server", "166[1].server")
  std::string state;                   // job_state: Q pending, R running, S suspended, H held, ...
  std::vector<std::string> exec_hosts; // "a/0-1+b/2" -> {a, b}
  std::vector<NodesPart> nodes;        // Resource_List/nodes (empty when absent)
  std::optional<int> nodect;           // Resource_List/nodect
  std::optional<int> ncpus;            // Resource_List/ncpus
};

// `qstat -t -x`: /Data/Job records. Empty output = no jobs.
Result<std::vector<TorqueJob>> parse_qstat_jobs(const std::string& output,
                                                const std::string& command = "qstat -t -x");

// Per-host outcome of one `qmgr -c "create|delete node h1,h2 ..."` from its combined output.
// Every line must read `qmgr obj=<host> svr=<server>: <message>`; a host named with a message
// in `ignored` still succeeds, a host named with any other message fails; a line of any other
// shape fails every host (the output cannot be trusted). Empty output: every host succeeded.
struct QmgrOutcome {
  std::vector<std::string> succeeded;
  std::vector<std::string> failed;
  std::vector<std::string> messages;  // "host: reason"
};
QmgrOutcome parse_qmgr_reply(const std::vector<std::string>& hosts, const std::string& output,
                             const std::vector<std::string>& ignored);

// The messages ParallelCluster ignores for create and delete (reference 3.4).
const std::vector<std::string>& qmgr_create_ignored();
const std::vector<std::string>& qmgr_delete_ignored();

}  // namespace ebbflow::torque
