// Fuzzes the Slurm traditional adapter's squeue reader (core/traditional/slurm_pending.h):
// parse_squeue (fixed 200-character columns mapped by the header line), parse_tres, and the
// demand computed from the parsed jobs (normalize_pending_jobs, slurm_required_nodes).
//
// The fuzz bytes are stretched into columns: each byte 0x01 in the input ends a column, which
// is padded with spaces to 200 characters, so short inputs reach the column mapping. Properties:
// failures name the line and column; one job per non-blank line after the header; the demand
// for a group of at most 64 nodes is between 0 and the sum of the kept jobs' nodes; UBSan
// watches the integer arithmetic on the parsed counts, which may be anything up to the parser's
// bound (docs/reliability.md, Fuzzing, finding 7).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/traditional/slurm_pending.h"
#include "fuzz_check.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string text;
  std::string column;
  for (size_t i = 1; i < size; ++i) {
    char c = static_cast<char>(data[i]);
    if (c == '\x01' || c == '\n') {
      if (column.size() < core::kSqueueColumnWidth) column.append(core::kSqueueColumnWidth - column.size(), ' ');
      text += column;
      column.clear();
      if (c == '\n') text += '\n';
    } else {
      column += c;
    }
  }
  text += column;
  auto jobs = core::parse_squeue(text);
  fuzz::check_result(jobs, "parse_squeue");
  auto tres = core::parse_tres(text.substr(0, 300));
  fuzz::check_result(tres, "parse_tres");
  if (!jobs.ok()) return 0;

  size_t lines = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    if (text.find_first_not_of(" \t\r", pos) < nl) ++lines;
    pos = nl + 1;
  }
  FUZZ_CHECK(jobs->size() == (lines > 0 ? lines - 1 : 0), "jobs != non-blank lines after the header");

  core::SlurmPendingFilter filter;
  filter.node_slots = 1 + data[0] % 8;
  filter.node_gpus = (data[0] >> 3) % 4;
  filter.max_nodes = 64;
  filter.filter_by_reasons = data[0] & 0x80;
  auto pending = core::normalize_pending_jobs(*jobs, filter);
  long long total = 0;
  for (const auto& j : pending) {
    FUZZ_CHECK(j.state == "PD" && j.nodes >= 1 && j.nodes <= 64, "kept a job that cannot be planned: " + j.id);
    total += j.nodes;
  }
  int needed = core::slurm_required_nodes(*jobs, filter);
  FUZZ_CHECK(needed >= 0 && needed <= total, "required nodes " + std::to_string(needed) + " outside [0, " +
                                                 std::to_string(total) + "]");
  return 0;
}
