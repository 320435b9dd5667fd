// Fuzzes the `scontrol show partitions --oneliner` parser (slurm::parse_scontrol_partitions).
//
// Properties: every partition returned has a name and a state, neither holding a space or a
// line break (they are single tokens of one line); one partition per PartitionName= line at most.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "scheduler/slurm/slurm_client.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = slurm::parse_scontrol_partitions(text);
  fuzz::check_result(r, "parse_scontrol_partitions");
  if (!r.ok()) return 0;
  size_t lines = 0;
  for (size_t pos = 0; (pos = text.find("PartitionName=", pos)) != std::string::npos; pos += 14) ++lines;
  FUZZ_CHECK(r->size() <= lines, "more partitions than PartitionName= fields");
  for (const auto& p : *r) {
    FUZZ_CHECK(!p.name.empty(), "partition without a name");
    for (const std::string* s : {&p.name, &p.state, &p.nodes})
      FUZZ_CHECK(s->find_first_of(" \n") == std::string::npos, "field with a space or newline: \"" + *s + "\"");
  }
  return 0;
}
