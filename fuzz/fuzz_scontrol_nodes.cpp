// Fuzzes the `scontrol show nodes` parser (slurm::parse_scontrol_nodes), both output formats, and
// the traditional adapter's one-line reader of the same output (slurm::parse_slot_nodes).
//
// Properties, beyond not crashing: every node returned has a name that validate_slurm_argument
// accepts (names go back into scontrol command lines, so output must never smuggle in
// whitespace, '=' or shell characters), a name that re-derives to the same queue/type/compute
// resource through make_node_name, flags that match its State string, and non-empty
// partitions; parsed plus skipped nodes never outnumber the NodeName= records in the text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/slurm_node.h"
#include "fuzz_check.h"
#include "scheduler/slurm/slurm_client.h"
#include "scheduler/slurm/traditional_slurm.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);

  // The traditional adapter's reader of `scontrol -o show nodes --future` sees the same text.
  auto slots = slurm::parse_slot_nodes(text);
  fuzz::check_result(slots, "parse_slot_nodes");
  if (slots.ok())
    for (const auto& s : *slots)
      FUZZ_CHECK(!s.name.empty() && s.name.find(' ') == std::string::npos, "slot with a bad name \"" + s.name + "\"");
  std::vector<std::string> skipped;
  auto r = slurm::parse_scontrol_nodes(text, &skipped);
  fuzz::check_result(r, "parse_scontrol_nodes");
  if (!r.ok()) return 0;

  size_t records = 0;
  for (size_t pos = 0; (pos = text.find("NodeName=", pos)) != std::string::npos; pos += 9) ++records;
  FUZZ_CHECK(r->size() + skipped.size() <= records, "more nodes than NodeName= records");

  for (const core::SlurmNode& n : *r) {
    FUZZ_CHECK(slurm::validate_slurm_argument(n.name, false).ok(), "unsafe node name \"" + n.name + "\"");
    auto parsed = core::parse_node_name(n.name);
    FUZZ_CHECK(parsed.has_value(), "kept a node whose name does not parse: " + n.name);
    FUZZ_CHECK(parsed->queue == n.queue && parsed->compute_resource == n.compute_resource &&
                   parsed->type == n.type,
               "derived fields differ from the name: " + n.name);
    std::string rebuilt = core::make_node_name(n.queue, n.type, n.compute_resource, parsed->index);
    auto again = core::parse_node_name(rebuilt);
    FUZZ_CHECK(again && again->queue == n.queue && again->compute_resource == n.compute_resource &&
                   again->type == n.type && again->index == parsed->index,
               "make_node_name/parse_node_name do not round trip: " + n.name + " -> " + rebuilt);
    FUZZ_CHECK(n.flags == core::parse_node_state(n.state_string), "flags differ from State=" + n.state_string);
    FUZZ_CHECK(!n.addr.empty() && !n.hostname.empty(), "empty NodeAddr/NodeHostName for " + n.name);
    for (const auto& p : n.partitions) FUZZ_CHECK(!p.empty() && p.find(',') == std::string::npos, "bad partition");
  }
  return 0;
}
