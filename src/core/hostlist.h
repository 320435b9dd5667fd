// Slurm hostlist expressions: "q-dy-c5-[1-3,7],q-st-c5-1" <-> individual names.
// Pure and fast (100k names in milliseconds); used by resume, the Slurm adapter and the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace ebbflow::core {

// Expands a hostlist expression. Supports several comma-separated items, one bracketed range
// group per item (as Slurm prints them), zero-padded ranges ("[001-010]"), and plain names.
// kInvalidInput naming the offending item and position on a malformed expression.
Result<std::vector<std::string>> expand_hostlist(std::string_view expr);

// Compresses names into the shortest Slurm-style expression: names sharing a prefix and
// differing only in a trailing number are grouped into ranges ("q-dy-c5-[1-3,7]").
// Groups appear in the order of their first name; numbers are sorted. The result is canonical:
// compressing the expansion of a compressed expression gives that expression back, unchanged.
std::string compress_hostlist(const std::vector<std::string>& names);

}  // namespace ebbflow::core
