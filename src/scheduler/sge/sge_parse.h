// Parsers for Son of Grid Engine command output (reference 11.2 and 3.4): pure functions, so
// the unit tests and fuzz targets can feed them recorded outputs directly.
//
// qstat: `qstat -xml -g dt -u '*' [-f] [-s p|rs] [-l hostname=H]`. With -f the queue instances
// (hosts) come as /job_info/queue_info/Queue-List with their running job_lists nested; pending
// jobs are /job_info/job_info/job_list. Empty output means "nothing" (SGE prints nothing at all
// in some versions), and malformed XML is kInvalidInput naming the command.
// qconf: the per-host reply lines of -ah/-as/-dh/-ds/-de are matched to hosts by the name in the
// line (SGE may print the FQDN of a short name we gave), not by line position, because stdout
// and stderr lines arrive separately.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow::sge {

struct SgeJob {
  std::string number;      // JB_job_number
  std::string state;       // letters: "r", "qw", "hqw", "Eqw", "s", "dr", ...
  int slots = 0;
  std::string master;      // "MASTER" | "SLAVE" | "" (pending)
  std::string tasks;       // array task index ("3") or range ("1-10:1"); empty if not an array job
  std::string host;        // from queue_name (after '@') or the enclosing Queue-List; "" if pending
  // Number of array tasks this entry stands for: 1, or the size of a "a-b:s" range.
  int task_count() const;
};

struct SgeHost {
  std::string name;        // text after '@' of all.q@<host>
  std::string queue;       // text before '@'
  int slots_used = 0;
  int slots_resv = 0;
  int slots_total = 0;
  std::string state;       // letters, "" when the element is absent
  std::vector<SgeJob> jobs;
};

// Queue instances of `qstat -xml ... -f`, in output order (every Queue-List element anywhere in
// the document, so a bare <Queue-List> fragment parses too).
Result<std::vector<SgeHost>> parse_qstat_hosts(const std::string& xml,
                                               const std::string& command = "qstat -f");
// Every job_list in the document: running ones (with their host) and pending ones.
Result<std::vector<SgeJob>> parse_qstat_jobs(const std::string& xml,
                                             const std::string& command = "qstat");

// True when any letter of `letters` occurs in `state`.
bool has_any_state(const std::string& state, const std::string& letters);

// The qconf host-list operations whose reply is one line per host.
enum class QconfHostOp {
  kAddAdmin,      // -ah: "<h> added to administrative host list" | adminhost "<h>" already exists
  kAddSubmit,     // -as: "<h> added to submit host list" | submithost "<h>" already exists
  kRemoveAdmin,   // -dh: "... removed "<h>" from administrative host list" | denied: administrative host "<h>" does not exist
  kRemoveSubmit,  // -ds
  kRemoveExec,    // -de
};
const char* qconf_flag(QconfHostOp op);

struct QconfLine {
  enum class Kind { kSuccess, kFailure, kUnrelated } kind = Kind::kUnrelated;
  std::string host;  // the name the line is about ("" when none could be read)
};
// Classifies one reply line. Any line naming a host that is not a success pattern of `op`
// ("can't resolve hostname "x"", "Host object "x" is still referenced ...") is a failure.
QconfLine classify_qconf_line(QconfHostOp op, const std::string& line);

struct QconfOutcome {
  std::vector<std::string> succeeded;
  std::vector<std::string> failed;
  std::vector<std::string> messages;  // "host: reason" for each failure
};
// Per-host outcome of one `qconf <op> h1,h2,...` from its combined stdout+stderr. A host
// succeeds when a success line names it and no failure line does; a host no line names fails
// (e.g. "unable to contact qmaster": the message then carries the first such line).
QconfOutcome parse_qconf_reply(QconfHostOp op, const std::vector<std::string>& hosts,
                               const std::string& output);

}  // namespace ebbflow::sge
