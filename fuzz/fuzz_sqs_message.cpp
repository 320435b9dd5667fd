// Fuzzes sqswatcher's message reading (core/traditional/sqs_message.h): parse_host_message on
// each body of a batch, then plan_batch over the batch.
//
// The input is a batch: bodies separated by '\x1e', each optionally prefixed "id\x1f" with its
// SQS message id. Properties: an ADD names an instance and a host that the SGE/Torque adapters'
// validate_host_name accepts (sqswatcher hands it to qconf/qmgr argv) with 1..100000 slots; a
// REMOVE names an instance; MALFORMED and IGNORE say why; and plan_batch files every message in
// exactly one of removes / adds / superseded / other, with one hostname hint per remove.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/traditional/sqs_message.h"
#include "fuzz_check.h"
#include "scheduler/sge/host_name.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<core::HostMessage> messages;
  std::vector<std::string> ids;
  size_t start = 0;
  while (start <= text.size() && messages.size() < 10) {
    size_t end = text.find('\x1e', start);
    if (end == std::string::npos) end = text.size();
    std::string body = text.substr(start, end - start);
    std::string id;
    if (size_t us = body.find('\x1f'); us != std::string::npos) {
      id = body.substr(0, us);
      body = body.substr(us + 1);
    }
    core::HostMessage m = core::parse_host_message(body);
    switch (m.kind) {
      case core::MessageKind::kAdd:
        FUZZ_CHECK(!m.instance_id.empty(), "ADD without an instance");
        FUZZ_CHECK(sched::validate_host_name(m.hostname).ok(), "ADD with an unsafe host name \"" + m.hostname + "\"");
        FUZZ_CHECK(m.slots >= 1 && m.slots <= 100000, "ADD with " + std::to_string(m.slots) + " slots");
        break;
      case core::MessageKind::kRemove:
        FUZZ_CHECK(!m.instance_id.empty(), "REMOVE without an instance");
        break;
      default:
        FUZZ_CHECK(!m.reason.empty(), std::string(core::to_string(m.kind)) + " without a reason");
        break;
    }
    messages.push_back(std::move(m));
    ids.push_back(std::move(id));
    start = end + 1;
  }

  core::BatchPlan plan = core::plan_batch(messages, ids);
  std::vector<int> seen(messages.size(), 0);
  for (const auto* list : {&plan.removes, &plan.adds, &plan.superseded, &plan.other})
    for (size_t i : *list) {
      FUZZ_CHECK(i < messages.size(), "plan index out of range");
      ++seen[i];
    }
  for (size_t i = 0; i < seen.size(); ++i)
    FUZZ_CHECK(seen[i] == 1, "message " + std::to_string(i) + " filed " + std::to_string(seen[i]) + " times");
  FUZZ_CHECK(plan.remove_hostname_hint.size() == plan.removes.size(), "one hostname hint per remove");
  for (size_t i : plan.removes) FUZZ_CHECK(messages[i].kind == core::MessageKind::kRemove, "a non-REMOVE in removes");
  for (size_t i : plan.adds) FUZZ_CHECK(messages[i].kind == core::MessageKind::kAdd, "a non-ADD in adds");
  return 0;
}
